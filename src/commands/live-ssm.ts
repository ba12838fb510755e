import type { AwsSettings } from "../aws/clients.js";
import { loadAws } from "../aws/load.js";
import type { LiveSsmReader } from "../input/prepare.js";
import type { CommandContext } from "./context.js";
import { listenForInterrupt } from "./interrupt.js";

/**
 * A reader that loads the AWS SDK only when it is first called, so commands
 * and flags that never touch SSM (`render --dry-run`, `--ssm-file`) never pay
 * for loading it. While it reads, SIGINT/SIGTERM cut the calls short (exit
 * 130/143); before and after, a signal ends `render` as it would any process.
 */
export function liveSsmReader(
  settings: Omit<AwsSettings, "tfvarsRegion">,
  ctx: CommandContext,
): LiveSsmReader {
  return async ({ path, names, tfvarsRegion }) => {
    const interrupt = listenForInterrupt(ctx);
    try {
      const { createAwsClients, readSsmSnapshot } = await loadAws();
      const clients = await createAwsClients(
        { ...settings, ...(tfvarsRegion ? { tfvarsRegion } : {}), ...ctx.aws },
        ctx.log,
        ctx.io.env,
      );
      return await readSsmSnapshot(
        clients,
        { ...(path !== undefined ? { path } : {}), names },
        ctx.log,
        interrupt.signal,
      );
    } finally {
      interrupt.dispose();
    }
  };
}
