import type { ExecutionReport } from "../execution/model.js";
import { maskedJson } from "../secrets/masked-json.js";
import type { Secrets } from "../secrets/secrets.js";
import { renderHtml } from "./html.js";
import { renderJunit } from "./junit.js";
import { backfillResultOf, resultOf } from "./result.js";

/** What every document is rendered with. */
export interface DocumentContext {
  secrets: Secrets;
  now: () => number;
  /** The command, as JUnit names its suite (`batchinf wait`); `preflight` started nothing: only its checks are reported. */
  command: string;
  /** One execution per date (backfill): the result has a row per date. */
  several: boolean;
  /** Input and output left out (wait cannot tell SecureString values apart). */
  withoutPayloads: boolean;
  /** The AWS calls made so far, by operation. */
  apiCalls?: Record<string, number>;
  /**
   * Written before the command ended (the placeholder, the early write once
   * the ARN is known): the result says "in-progress" rather than an exit code
   * and reason the command has not reached, so a file left by a process that
   * died midway never reads "started, exit 0".
   */
  inProgress?: boolean;
}

/** A document written from the reports to the file its option names. */
export interface ReportDocument {
  /** The option (src/cli-options.ts) that names its file; its flag and variable come from there. */
  option: "resultFile" | "junit" | "reportHtml";
  /** How a warning names it: `could not write the --junit report ...`. */
  title: string;
  /** Written as soon as the execution ARN is known, not only at the end (the result: `stop --result-file`). */
  early: boolean;
  /** Checked before anything starts by writing a placeholder there (else by its directory). */
  placeholder: boolean;
  /** What `--output json` prints on stdout. */
  stdout: boolean;
  render(reports: readonly ExecutionReport[], context: DocumentContext): string;
}

const NOT_STARTED: ExecutionReport = { status: "NOT_STARTED", states: [], outcome: { kind: "started" } };

function payloadsOut(reports: readonly ExecutionReport[], context: DocumentContext) {
  return context.withoutPayloads
    ? reports.map(({ input: _input, output: _output, ...rest }) => rest)
    : reports;
}

/**
 * Every document a following command writes, in one list: the frame
 * (src/commands/frame.ts), the usage-error path and `--output json` all go
 * through it, so a new document is one entry here and one option.
 */
export const REPORT_DOCUMENTS: readonly ReportDocument[] = [
  {
    option: "resultFile",
    title: "--result-file",
    early: true,
    placeholder: true,
    stdout: true,
    render: (reports, context) => {
      const options = {
        ...(context.apiCalls ? { apiCalls: context.apiCalls } : {}),
        withoutPayloads: context.withoutPayloads,
        ...(context.inProgress ? { inProgress: true } : {}),
      };
      const result = context.several
        ? backfillResultOf(reports, options)
        : resultOf(reports[0] ?? NOT_STARTED, options);
      return maskedJson(result, context.secrets);
    },
  },
  {
    option: "junit",
    title: "--junit report",
    early: false,
    placeholder: false,
    stdout: false,
    render: (reports, context) =>
      renderJunit(payloadsOut(reports, context), {
        secrets: context.secrets,
        now: context.now(),
        name: `batchinf ${context.command}`,
        ...(context.command === "preflight" ? { executions: false } : {}),
      }),
  },
  {
    option: "reportHtml",
    title: "--report-html report",
    early: false,
    placeholder: false,
    stdout: false,
    render: (reports, context) =>
      renderHtml(payloadsOut(reports, context), {
        secrets: context.secrets,
        now: context.now(),
        ...(context.command === "preflight" ? { executions: false, title: "batchinf preflight" } : {}),
      }),
  },
];
