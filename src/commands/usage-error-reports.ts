import { type CommandName, envName, longFlag, optionsFor } from "../cli-options.js";
import type { ExecutionReport } from "../execution/model.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { assertFilesApart } from "../io/output-paths.js";
import { REPORT_DOCUMENTS } from "../report/documents.js";
import type { Secrets } from "../secrets/secrets.js";

const FOLLOWING = new Set(["run", "wait", "backfill"]);

/**
 * The reports of a command that never began because its own flags were
 * wrong (`--timeout 1m1m`): the contract has the result, JUnit and HTML
 * written in every ending, and a Jenkinsfile that archives them should find
 * files that say "invalid input, nothing started" rather than none. The
 * paths are read from the raw arguments and variables, since the options
 * themselves did not parse. Best effort: a path that cannot be written is
 * left alone, the usage error is what the user sees.
 */
export async function writeUsageErrorReports(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  error: unknown,
  deps: { secrets: Secrets; now: number },
): Promise<void> {
  const command = argv.find((arg) => !arg.startsWith("-"));
  if (!command || !FOLLOWING.has(command)) return;
  // The files the command would have had, from the raw arguments: a report is never written over an input.
  const files: Record<string, string | undefined> = {};
  for (const spec of optionsFor(command as CommandName)) {
    if (spec.file === undefined) continue;
    const fallback = typeof spec.default === "string" ? spec.default : undefined;
    files[spec.name] = flagValue(argv, longFlag(spec)) ?? env[envName(spec)] ?? fallback;
  }
  const apart = await assertFilesApart(files).then(
    () => true,
    () => false,
  );
  if (!apart) return;
  const report: ExecutionReport = { status: "NOT_STARTED", states: [], outcome: { kind: "error", error } };
  const context = {
    secrets: deps.secrets,
    now: () => deps.now,
    command,
    several: command === "backfill",
    withoutPayloads: false,
  };
  await Promise.all(
    REPORT_DOCUMENTS.map(async (document) => {
      const file = files[document.option];
      if (!file) return;
      await writeFileAtomic(file, document.render([report], context)).catch(() => undefined);
    }),
  );
}

/** `--flag VALUE` or `--flag=VALUE`, the last one given. */
function flagValue(argv: readonly string[], flag: string): string | undefined {
  let value: string | undefined;
  argv.forEach((arg, i) => {
    if (arg === flag && argv[i + 1] !== undefined) value = argv[i + 1];
    else if (arg.startsWith(`${flag}=`)) value = arg.slice(flag.length + 1);
  });
  return value;
}
