import { type AwsClients, createAwsClients } from "../aws/clients.js";
import { readParameters } from "../aws/ssm.js";
import type { PrepareDeps } from "../input/prepare.js";
import type { CommandContext } from "./context.js";

// The AWS session of a command that composes its input. The bundle keeps it
// apart (dist/batchinf-aws.mjs, see scripts/build.mjs): `render` imports it
// only when it reads SSM, so `render --dry-run` and `--ssm-file` never load
// the SDK; run and backfill import it directly.

/**
 * The AWS clients of a command that composes its input, built on first use:
 * SSM first (the region may come from tfvars), then Step Functions with the
 * same settings. `readLiveSsm` is prepareInput's reader of Terraform's outputs.
 */
export function lazyClients(
  options: { region?: string; profile?: string; assumeRole?: string; requestTimeout: number },
  ctx: CommandContext,
  /** Cuts the SSM reads short: the command's interrupt. */
  signal: AbortSignal,
): {
  get(tfvarsRegion?: string): Promise<AwsClients>;
  current(): AwsClients | undefined;
  readLiveSsm: NonNullable<PrepareDeps["readLiveSsm"]>;
} {
  let clients: AwsClients | undefined;
  const get = async (tfvarsRegion?: string) => {
    clients ??= await createAwsClients(
      {
        region: options.region,
        profile: options.profile,
        assumeRole: options.assumeRole,
        now: ctx.now,
        requestTimeout: options.requestTimeout,
        tfvarsRegion,
        ...ctx.aws,
      },
      ctx.log,
      ctx.io.env,
    );
    return clients;
  };
  return {
    get,
    current: () => clients,
    readLiveSsm: async ({ path, names, tfvarsRegion }) => {
      const session = await get(tfvarsRegion);
      return readParameters(
        session.ssm(),
        { ...(path !== undefined ? { path } : {}), names },
        session.region,
        signal,
      );
    },
  };
}
