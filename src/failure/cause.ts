import { MASK } from "../secrets/secrets.js";
import { cleanCredentialUrlsInText } from "../secrets/url.js";

/**
 * Step Functions passes a failed `.sync` task's cause as a JSON string: for
 * Glue the GetJobRun `JobRun`, for Batch the DescribeJobs job, both with
 * PascalCase keys (`Id`, `JobRunState`, `ErrorMessage`, `LogGroupName`;
 * `JobId`, `Status`, `StatusReason`, `Attempts[].Container`, `Container`).
 * This module turns such a cause into typed data, and keeps the values of a
 * Batch job's `Environment` out of every output.
 */

export interface GlueRunCause {
  kind: "glue";
  runId?: string;
  jobName?: string;
  /** JobRunState: FAILED, TIMEOUT, ERROR, STOPPED... */
  state?: string;
  errorMessage?: string;
  /** The run's log group base; `/error` and `/output` are appended. Default `/aws-glue/jobs`. */
  logGroupName?: string;
  attempt?: number;
  previousRunId?: string;
  /** The run's arguments (those given to this run, not the job's defaults). */
  arguments: Record<string, string>;
}

export interface BatchAttemptCause {
  exitCode?: number;
  reason?: string;
  logStreamName?: string;
  statusReason?: string;
}

export interface BatchJobCause {
  kind: "batch";
  jobId?: string;
  jobName?: string;
  jobArn?: string;
  jobDefinition?: string;
  status?: string;
  statusReason?: string;
  attempts: BatchAttemptCause[];
  container: {
    exitCode?: number;
    reason?: string;
    logStreamName?: string;
    /** `LogConfiguration.LogDriver`; undefined means the default, awslogs. */
    logDriver?: string;
    /** `LogConfiguration.Options["awslogs-group"]`. */
    logGroup?: string;
    /** Names only: the values are never kept. */
    environmentNames: string[];
  };
}

export type ParsedCause =
  | GlueRunCause
  | BatchJobCause
  /** JSON, but neither shape (an SDK integration's error, a Lambda's error object). */
  | { kind: "json"; value: unknown }
  | { kind: "text"; text: string };

export function parseCause(cause: string | undefined): ParsedCause | undefined {
  if (cause === undefined || cause.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause);
  } catch {
    return { kind: "text", text: cause };
  }
  if (!isRecord(parsed)) return { kind: "json", value: parsed };
  return glueRun(parsed) ?? batchJob(parsed) ?? { kind: "json", value: parsed };
}

function glueRun(job: Record<string, unknown>): GlueRunCause | undefined {
  // StartJobRun's response says `JobRunId`; the JobRun the `.sync` poll returns says `Id`.
  const runId = str(job.Id) ?? str(job.JobRunId);
  if (!runId?.startsWith("jr_") && str(job.JobRunState) === undefined) return undefined;
  const args: Record<string, string> = {};
  if (isRecord(job.Arguments)) {
    for (const [key, value] of Object.entries(job.Arguments))
      if (typeof value === "string") args[key] = value;
  }
  return dropUndefined({
    kind: "glue" as const,
    runId,
    jobName: str(job.JobName),
    state: str(job.JobRunState),
    errorMessage: str(job.ErrorMessage),
    logGroupName: str(job.LogGroupName),
    attempt: typeof job.Attempt === "number" ? job.Attempt : undefined,
    previousRunId: str(job.PreviousRunId),
    arguments: args,
  });
}

function batchJob(job: Record<string, unknown>): BatchJobCause | undefined {
  if (str(job.JobId) === undefined || (str(job.Status) === undefined && !Array.isArray(job.Attempts)))
    return undefined;
  const container = isRecord(job.Container) ? job.Container : {};
  const logConfiguration = isRecord(container.LogConfiguration) ? container.LogConfiguration : {};
  const options = isRecord(logConfiguration.Options) ? logConfiguration.Options : {};
  const attempts = (Array.isArray(job.Attempts) ? job.Attempts : []).filter(isRecord).map((attempt) => {
    const c = isRecord(attempt.Container) ? attempt.Container : {};
    return dropUndefined({
      exitCode: int(c.ExitCode),
      reason: str(c.Reason),
      logStreamName: str(c.LogStreamName),
      statusReason: str(attempt.StatusReason),
    });
  });
  const environment = Array.isArray(container.Environment) ? container.Environment : [];
  return dropUndefined({
    kind: "batch" as const,
    jobId: str(job.JobId),
    jobName: str(job.JobName),
    jobArn: str(job.JobArn),
    jobDefinition: str(job.JobDefinition),
    status: str(job.Status),
    statusReason: str(job.StatusReason),
    attempts,
    container: dropUndefined({
      exitCode: int(container.ExitCode),
      reason: str(container.Reason),
      logStreamName: str(container.LogStreamName),
      logDriver: str(logConfiguration.LogDriver),
      logGroup: str(options["awslogs-group"]),
      environmentNames: environment.filter(isRecord).flatMap((e) => str(e.Name) ?? str(e.name) ?? []),
    }),
  });
}

// ---------------------------------------------------------------------------
// Batch Environment values

/** Keys under which Batch (and the ECS task it runs) keep a container's `[{Name, Value}]` environment. */
const ENVIRONMENT_KEYS = new Set(["Environment", "environment"]);

/**
 * A copy of `value` in which every Batch container environment entry keeps
 * its name and loses its value (`****`). Works on any JSON value: a DescribeJobs
 * job, a task's output, the execution's output, and the JSON documents nested
 * inside their strings (a Catch puts the cause, itself JSON, in a string). A
 * string that mentions an `Environment` but is not JSON (a cause cut short)
 * has every `"Value": "..."` after that mention masked.
 */
export function redactBatchEnvironment<T>(value: T): T {
  return redact(value, false) as T;
}

function redact(value: unknown, inEnvironment: boolean): unknown {
  if (typeof value === "string") return redactString(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, inEnvironment));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (inEnvironment && (key === "Value" || key === "value")) {
      out[key] = MASK;
    } else if (ENVIRONMENT_KEYS.has(key) && Array.isArray(item)) {
      out[key] = item.map((entry) => redact(entry, true));
    } else {
      out[key] = redact(item, false);
    }
  }
  return out;
}

function redactString(text: string): string {
  if (!/environment/i.test(text)) return text;
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      const redacted = redact(parsed, false);
      // Re-serialise only when something changed, so untouched text keeps its layout.
      return JSON.stringify(redacted) === JSON.stringify(parsed) ? text : JSON.stringify(redacted);
    } catch {
      // not JSON after all: fall through to the textual fallback
    }
  }
  return redactText(text);
}

/**
 * Text fallback for a cause that is not JSON (Step Functions cuts causes at
 * 32,768 characters): after the first `Environment` key, every `Value`
 * string is masked up to its real closing quote, escaped quotes inside it
 * included, and a value the cut left open is masked to the end. Works on the
 * cause itself and on a cause nested in a string one level deep (`\"`).
 */
function redactText(text: string): string {
  const start = text.search(/\\?"[Ee]nvironment\\?"/);
  if (start < 0) return text;
  const key = /\\?"[Vv]alue\\?"\s*:\s*(\\?")/g;
  key.lastIndex = start;
  let out = text.slice(0, start);
  let copied = start;
  for (let match = key.exec(text); match; match = key.exec(text)) {
    const valueStart = match.index + match[0].length;
    const valueEnd = closingQuote(text, valueStart, match[1] === '\\"');
    out += `${text.slice(copied, valueStart)}${MASK}`;
    copied = valueEnd;
    key.lastIndex = Math.max(valueEnd, valueStart);
  }
  return out + text.slice(copied);
}

/**
 * Where a JSON string that starts at `from` ends: at a quote preceded by an
 * even number of backslashes; nested one level (`\"...\"`), at a quote
 * preceded by 1, 5, 9... (3 is an escaped quote inside). The end of the text
 * when the cut left it open.
 */
function closingQuote(text: string, from: number, nested: boolean): number {
  for (let at = text.indexOf('"', from); at >= 0; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (at - backslashes - 1 >= from && text[at - backslashes - 1] === "\\") backslashes++;
    if (!nested && backslashes % 2 === 0) return at;
    if (nested && backslashes % 4 === 1) return at - 1;
  }
  return text.length;
}

// ---------------------------------------------------------------------------
// Pretty-printing

/**
 * The cause as lines for the log: a headline (which run, what status, why),
 * then the JSON pretty-printed with any Batch environment values masked.
 * Anything not JSON is returned as it is, line by line.
 */
export function explainCause(cause: string | undefined): string[] {
  const parsed = parseCause(cause);
  if (!parsed) return [];
  if (parsed.kind === "text") return redactBatchEnvironment(parsed.text).split("\n");
  const value: unknown = redactBatchEnvironment(JSON.parse(cause as string));
  const pretty = JSON.stringify(value, null, 2).split("\n");
  if (parsed.kind === "json") return pretty;
  const headline = parsed.kind === "glue" ? glueHeadline(parsed) : batchHeadline(parsed);
  return [...headline, "cause:", ...pretty.map((line) => `  ${line}`)];
}

function glueHeadline(run: GlueRunCause): string[] {
  return [
    `Glue job ${run.jobName ?? "?"} run ${run.runId ?? "?"}: ${run.state ?? "?"}`,
    ...(run.errorMessage ? [`  ${run.errorMessage}`] : []),
  ];
}

function batchHeadline(job: BatchJobCause): string[] {
  const last = job.attempts.at(-1);
  const exitCode = last?.exitCode ?? job.container.exitCode;
  const reason = last?.reason ?? job.container.reason;
  const logStream = last?.logStreamName ?? job.container.logStreamName;
  const tries = job.attempts.length > 1 ? ` after ${job.attempts.length} attempts` : "";
  return [
    `Batch job ${job.jobName ?? "?"} (${job.jobId ?? "?"}): ${job.status ?? "?"}${exitCode !== undefined ? `, exit code ${exitCode}` : ""}${tries}`,
    ...(job.statusReason ? [`  status reason: ${job.statusReason}`] : []),
    ...(reason ? [`  container reason: ${reason}`] : []),
    ...(logStream ? [`  log stream: ${logStream}`] : []),
  ];
}

// ---------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function int(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}

/** Optional properties stay absent rather than `undefined` (exactOptionalPropertyTypes-friendly, cleaner JSON). */
function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}

/**
 * Text and data that came from AWS (a failure's error and cause, an
 * execution's output) as batchinf may keep and print them: a Batch job's
 * Environment values masked, and the credentials of any URL in them dropped
 * (a job's error message can quote a URL with a token, and the contract drops
 * URL credentials wherever the URL comes from). Applied where they are read,
 * so every report, log line and result has them clean.
 */
export function sanitizeAwsValue<T>(value: T): T {
  return cleanUrlsDeep(redactBatchEnvironment(value)) as T;
}

function cleanUrlsDeep(value: unknown): unknown {
  if (typeof value === "string") return cleanUrlsInString(value);
  if (Array.isArray(value)) return value.map(cleanUrlsDeep);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cleanUrlsDeep(item)]));
}

/**
 * A string from AWS that is itself JSON (a cause, a Catch's nested cause) is
 * cleaned as the values it holds, not as text: `https:\/\/` escapes and a
 * `\"` after a URL must neither hide a credential nor be taken into the URL.
 * It is re-serialised only when something was removed.
 */
function cleanUrlsInString(text: string): string {
  if (!text.includes(":")) return text;
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      const cleaned = cleanUrlsDeep(parsed);
      return JSON.stringify(cleaned) === JSON.stringify(parsed) ? text : JSON.stringify(cleaned);
    } catch {
      // Not JSON after all (a cause cut short): clean it as text.
    }
  }
  if (!text.includes("://") && !text.includes(":\\/\\/")) return text;
  // A cut JSON text may still write `https:\/\/`: seen as a URL, changed only where a credential goes.
  const unescaped = text.replaceAll(":\\/\\/", "://");
  const cleaned = cleanCredentialUrlsInText(unescaped);
  return cleaned === unescaped ? text : cleaned;
}
