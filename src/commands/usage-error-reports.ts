import type { ExecutionReport } from "../execution/model.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { renderHtml } from "../report/html.js";
import { renderJunit } from "../report/junit.js";
import { backfillResultOf, resultOf } from "../report/result.js";
import type { Secrets } from "../secrets/secrets.js";

const FOLLOWING = new Set(["run", "wait", "backfill"]);
const FILES = [
  { flag: "--result-file", variable: "BATCHINF_RESULT_FILE", what: "result" },
  { flag: "--junit", variable: "BATCHINF_JUNIT", what: "junit" },
  { flag: "--report-html", variable: "BATCHINF_REPORT_HTML", what: "html" },
] as const;

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
  const report: ExecutionReport = { status: "NOT_STARTED", states: [], outcome: { kind: "error", error } };
  const render = {
    result: () =>
      `${JSON.stringify(deps.secrets.maskValue(command === "backfill" ? backfillResultOf([report]) : resultOf(report)), null, 2)}\n`,
    junit: () => renderJunit([report], { secrets: deps.secrets, now: deps.now, name: `batchinf ${command}` }),
    html: () => renderHtml([report], { secrets: deps.secrets, now: deps.now }),
  };
  await Promise.all(
    FILES.map(async ({ flag, variable, what }) => {
      const file = flagValue(argv, flag) ?? env[variable];
      if (!file) return;
      await writeFileAtomic(file, render[what]()).catch(() => undefined);
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
