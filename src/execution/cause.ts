/**
 * Step Functions passes a failed service call's cause as a JSON string: for
 * Glue `.sync` the GetJobRun JobRun, for Batch `.sync` the DescribeJobs job.
 * Pull out what a person needs first (which run, what status, why), then the
 * rest, pretty-printed. Anything not JSON is returned as it is.
 */
export function explainCause(cause: string | undefined): string[] {
  if (cause === undefined || cause.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause);
  } catch {
    return cause.split("\n");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return [String(cause)];
  const record = parsed as Record<string, unknown>;
  const headline = glueHeadline(record) ?? batchHeadline(record);
  const pretty = JSON.stringify(record, null, 2).split("\n");
  return headline ? [...headline, "cause:", ...pretty.map((line) => `  ${line}`)] : pretty;
}

function glueHeadline(job: Record<string, unknown>): string[] | undefined {
  const runId = str(job.Id) ?? str(job.JobRunId);
  if (!runId?.startsWith("jr_") && str(job.JobRunState) === undefined) return undefined;
  return [
    `Glue job ${str(job.JobName) ?? "?"} run ${runId ?? "?"}: ${str(job.JobRunState) ?? "?"}`,
    ...(str(job.ErrorMessage) ? [`  ${str(job.ErrorMessage)}`] : []),
  ];
}

function batchHeadline(job: Record<string, unknown>): string[] | undefined {
  if (str(job.JobId) === undefined || str(job.Status) === undefined) return undefined;
  const container = (job.Container ?? {}) as Record<string, unknown>;
  const attempts = Array.isArray(job.Attempts) ? (job.Attempts as Array<Record<string, unknown>>) : [];
  const lastAttempt = (attempts[attempts.length - 1]?.Container ?? {}) as Record<string, unknown>;
  const exitCode = container.ExitCode ?? lastAttempt.ExitCode;
  const reason = str(container.Reason) ?? str(lastAttempt.Reason);
  const logStream = str(container.LogStreamName) ?? str(lastAttempt.LogStreamName);
  return [
    `Batch job ${str(job.JobName) ?? "?"} (${str(job.JobId)}): ${str(job.Status)}${exitCode !== undefined ? `, exit code ${String(exitCode)}` : ""}${attempts.length > 1 ? ` after ${attempts.length} attempts` : ""}`,
    ...(str(job.StatusReason) ? [`  status reason: ${str(job.StatusReason)}`] : []),
    ...(reason ? [`  container reason: ${reason}`] : []),
    ...(logStream ? [`  log stream: ${logStream}`] : []),
  ];
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
