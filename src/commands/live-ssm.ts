import type { AwsSettings } from "../aws/clients.js";
import { loadAws } from "../aws/load.js";
import type { LiveSsmReader } from "../input/prepare.js";
import type { CommandContext } from "./context.js";

/**
 * A reader that loads the AWS SDK only when it is first called, so commands
 * and flags that never touch SSM (`render --dry-run`, `--ssm-file`) never pay
 * for loading it.
 */
export function liveSsmReader(
  settings: Omit<AwsSettings, "tfvarsRegion">,
  ctx: CommandContext,
): LiveSsmReader {
  return async ({ path, names, tfvarsRegion }) => {
    const { createAwsClients, readSsmSnapshot } = await loadAws();
    const clients = await createAwsClients(
      { ...settings, ...(tfvarsRegion ? { tfvarsRegion } : {}), ...ctx.aws },
      ctx.log,
      ctx.io.env,
    );
    return readSsmSnapshot(clients, { ...(path !== undefined ? { path } : {}), names }, ctx.log);
  };
}
