import type { Composition } from "../input/compose.js";
import { INPUT_KEYS } from "../input/keys.js";
import { type InputOptions, prepareInput } from "../input/prepare.js";
import { describeProblem, maskedInput, reportPrepared } from "../plan/prepared.js";
import { maskedJson } from "../secrets/masked-json.js";
import { MASK } from "../secrets/secrets.js";
import { type CommandContext, labelsOf } from "./context.js";
import { listenForInterrupt } from "./interrupt.js";

export interface RenderOptions extends Omit<InputOptions, "offline"> {
  dryRun: boolean;
  explain: boolean;
  showSecrets: boolean;
  output: "text" | "json";
  region?: string;
  profile?: string;
  requestTimeout: number;
}

/** `batchinf render`: compose + validate the input, print it on stdout. */
export async function renderCommand(options: RenderOptions, ctx: CommandContext): Promise<number> {
  const prepared = await prepareInput(
    { ...options, offline: options.dryRun },
    {
      log: ctx.log,
      label: labelsOf(ctx),
      env: ctx.io.env,
      now: ctx.now,
      // The SDK loads only if SSM is read: never with --dry-run. While it reads, SIGINT/SIGTERM
      // cut the calls short (exit 130/143); before and after, a signal ends render as any process.
      readLiveSsm: async (request) => {
        const interrupt = listenForInterrupt(ctx);
        try {
          const { lazyClients } = await import("./aws-session.js");
          return await lazyClients(options, ctx, interrupt.signal).readLiveSsm(request);
        } finally {
          interrupt.dispose();
        }
      },
    },
  );
  reportPrepared(prepared, options, ctx.log);
  const input = maskedInput(prepared.composition, options.showSecrets);
  // Masked as data, before it is serialised: URL credentials and secrets in any value.
  if (options.output === "json") {
    const document = {
      input,
      provenance: provenanceJson(prepared.composition, options.showSecrets),
      warnings: prepared.problems
        .filter((problem) => problem.severity === "warning")
        .map((problem) => describeProblem(problem, prepared, ctx.log.secrets)),
    };
    ctx.io.stdout(maskedJson(document, ctx.log.secrets));
  } else {
    ctx.io.stdout(maskedJson(input, ctx.log.secrets));
  }
  return 0;
}

function provenanceJson(composition: Composition, showSecrets: boolean) {
  const out: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) {
    const entry = composition.provenance[key];
    if (!entry) continue;
    out[key] = {
      value: entry.secret && !showSecrets ? MASK : entry.value,
      source: entry.source,
      origin: entry.origin,
      ...(entry.secret ? { secret: true } : {}),
      overrode: entry.overrode.map((o) => ({
        value: o.secret && !showSecrets ? MASK : o.value,
        source: o.source,
        origin: o.origin,
      })),
    };
  }
  return out;
}
