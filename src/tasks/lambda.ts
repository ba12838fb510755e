import { dropUndefined, isRecord, str } from "./fields.js";
import { findStream } from "./find-stream.js";
import { integrationPollHint, type KindCause, type TaskKind } from "./kind.js";
import { lambdaPreflight } from "./lambda-preflight.js";
import { addLink, consoleBase } from "./links.js";
import type { AttemptFacts, LogSource, TaskFailure } from "./types.js";

/**
 * A failed invocation's cause: the function's error payload, as the runtime
 * wrote it (`errorMessage`, `errorType`, `stackTrace`; Python adds
 * `requestId`, Node names the stack `trace`). Step Functions reports
 * `errorType` as the error; an unhandled failure (a timeout, out of memory)
 * is `Lambda.Unknown`, its cause text quoting the returned payload.
 */
export interface LambdaErrorCause extends KindCause {
  kind: "lambda";
  errorType?: string;
  errorMessage?: string;
  requestId?: string;
  stackTrace: string[];
}

/** `arn:aws:states:::lambda:invoke` (and `.waitForTaskToken`). */
const OPTIMIZED = /^arn:aws[a-z-]*:states:::lambda:invoke(\.waitForTaskToken)?$/;
/** The legacy resource: the function's own ARN, optionally qualified. */
const LEGACY = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;
/** A request id as Lambda writes it in its log lines. */
const REQUEST_ID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/;
/**
 * The search window around the task's events: an invocation's START line
 * follows TaskScheduled (a second allows for the two services' clocks), and
 * its REPORT line may be written a little after Step Functions records the end.
 */
const BEFORE_MS = 1_000;
const AFTER_MS = 5_000;

export const lambda: TaskKind<LambdaErrorCause> = {
  id: "lambda",
  labels: {
    step: "Lambda function",
    task: "Lambda invocation",
    failureTitle: "The failed Lambda invocation",
  },

  matches: (resource) => OPTIMIZED.test(resource) || LEGACY.test(resource),
  pollHint: integrationPollHint,
  preflight: lambdaPreflight,

  // `FunctionName` (a name, `name:qualifier`, a partial or full ARN) and `Qualifier`; a legacy resource is the ARN.
  scheduled(parameters, resource) {
    const named = OPTIMIZED.test(resource) ? str(parameters?.FunctionName) : resource;
    if (!named) return {};
    const { functionName, qualifier } = functionOf(named);
    const explicit = str(parameters?.Qualifier);
    return dropUndefined({ functionName, qualifier: explicit ?? qualifier });
  },

  // `.waitForTaskToken`: the Invoke answer, whose request id is the invocation's.
  submitted: (output) => requestIdOf(output),
  succeeded: (output) => requestIdOf(output),

  parseCause(payload) {
    const errorType = str(payload.errorType);
    const errorMessage = str(payload.errorMessage);
    if (errorType === undefined && errorMessage === undefined) return undefined;
    const trace = Array.isArray(payload.stackTrace) ? payload.stackTrace : payload.trace;
    return dropUndefined({
      kind: "lambda" as const,
      errorType,
      errorMessage,
      requestId: str(payload.requestId),
      stackTrace: Array.isArray(trace)
        ? trace.filter((line): line is string => typeof line === "string")
        : [],
    });
  },

  causeHeadline: (cause) => [
    `Lambda ${cause.errorType ?? "error"}${cause.requestId ? ` in request ${cause.requestId}` : ""}`,
    ...(cause.errorMessage ? [`  ${cause.errorMessage}`] : []),
  ],

  describeFailure(attempt, cause, region) {
    const failure: TaskFailure = { kind: "lambda", links: [], warnings: [] };
    const functionName = attempt.task?.functionName;
    const qualifier = attempt.task?.qualifier;
    // Lambda.Unknown's cause is text quoting the payload the function returned.
    const payload = cause ?? unknownPayload(attempt.cause);
    const errorType = payload?.errorType ?? attempt.error;
    const requestId =
      payload?.requestId ?? attempt.task?.id ?? REQUEST_ID.exec(payload?.errorMessage ?? "")?.[0];
    if (functionName) failure.functionName = functionName;
    if (qualifier) failure.qualifier = qualifier;
    if (errorType) failure.errorType = errorType;
    if (payload?.errorMessage) failure.errorMessage = payload.errorMessage;
    if (requestId) failure.id = requestId;
    if (!functionName) {
      failure.warnings.push(
        "the function is unknown (no FunctionName in the task's parameters), so its log cannot be found",
      );
      return failure;
    }
    addLink(failure, "function", functionLink(region, functionName, qualifier));
    failure.logSources = [invocationSource(functionName, attempt, requestId, attempt.endedAt)];
    if (!requestId)
      failure.warnings.push(
        "the cause names no request id: the log shown is the one invocation that started in the task's time window, if only one did",
      );
    return failure;
  },

  failureLines(failure) {
    const lines = [
      `Lambda function ${functionText(failure)}, request ${failure.id ?? "?"}${failure.errorType ? `: ${failure.errorType}` : ""}`,
    ];
    if (failure.errorMessage) lines.push(`  error message: ${failure.errorMessage}`);
    return lines;
  },

  failureDetails: (failure) => [
    ["Lambda function", failure.functionName],
    ["Version or alias", failure.qualifier],
    ["Request id", failure.id],
    ["Error type", failure.errorType],
    ["Error message", failure.errorMessage],
  ],

  /**
   * The history names a synchronous invocation's request id only at its end,
   * so a running one is found by its `START RequestId:` line in the
   * function's log group after the task was scheduled: followed when exactly
   * one invocation started since (others running at once cannot be told
   * apart), from that line to its `REPORT RequestId:` line.
   */
  follow(state, attempt) {
    const functionName = attempt.task?.functionName;
    if (!functionName)
      return {
        unavailable: `the log of ${state} cannot be followed: its function is not named in the task's parameters`,
      };
    return {
      locate: {
        what: `Lambda invocation of ${functionName}`,
        service: "CloudWatch Logs",
        permission: "logs:FilterLogEvents",
        budget: "logs",
        async locate({ api, logs, signal, ending }) {
          // Read at locate time: the request id arrives with the task's end.
          const requestId = attempt.task?.id;
          const source = invocationSource(
            functionName,
            attempt,
            requestId,
            ending ? attempt.endedAt : undefined,
          );
          const found = await findStream(api, logs, source, signal);
          if ("stream" in found) {
            // Its own START line names the request id, and so the REPORT line that ends its part of the stream.
            const id = requestId ?? /START RequestId: (\S+)/.exec(found.line ?? "")?.[1];
            const endMarker = id ? `REPORT RequestId: ${id}` : undefined;
            return {
              streams: [
                {
                  group: source.group,
                  stream: found.stream,
                  window: { start: found.from, ...(endMarker ? { endMarker } : {}) },
                },
              ],
            };
          }
          if ("ambiguous" in found)
            return {
              never: true,
              reason: `the log of ${state} cannot be followed: ${found.ambiguous} invocations of ${functionName} started since it was scheduled, and which one is its own is known only at its end`,
            };
          return ending ? { never: true } : { notYet: true };
        },
      },
    };
  },
};

/** The invocation's lines in `/aws/lambda/<function>`: found by its request id (else the one START) in the task's time window. */
function invocationSource(
  functionName: string,
  attempt: AttemptFacts,
  requestId: string | undefined,
  endedAt: number | undefined,
): LogSource {
  const window = {
    start: attempt.startedAt - BEFORE_MS,
    ...(endedAt !== undefined ? { end: endedAt + AFTER_MS } : {}),
    ...(requestId ? { endMarker: `REPORT RequestId: ${requestId}` } : {}),
  };
  return {
    group: `/aws/lambda/${functionName}`,
    stream: "",
    window,
    find: requestId
      ? { phrase: `START RequestId: ${requestId}` }
      : { phrase: "START RequestId:", unique: true },
  };
}

/** `name`, `name:qualifier`, `123456789012:function:name[:qualifier]`, or the full ARN. */
function functionOf(named: string): { functionName: string; qualifier?: string } {
  const parts = named.split(":");
  const at = parts.indexOf("function");
  const [functionName = named, qualifier] = at >= 0 ? parts.slice(at + 1) : parts;
  return qualifier ? { functionName, qualifier } : { functionName };
}

function requestIdOf(output: Record<string, unknown>): { id: string } | undefined {
  const metadata = isRecord(output.SdkResponseMetadata) ? output.SdkResponseMetadata : {};
  const id = str(metadata.RequestId);
  return id ? { id } : undefined;
}

/** `... Returned payload: {"errorMessage":"... Task timed out after 3.00 seconds"}`: the payload, parsed. */
function unknownPayload(cause: string | undefined): LambdaErrorCause | undefined {
  const at = cause?.indexOf("{") ?? -1;
  if (!cause || at < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(cause.slice(at));
    return isRecord(parsed) ? (lambda.parseCause(parsed) ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}

function functionText(failure: TaskFailure): string {
  return `${failure.functionName ?? "?"}${failure.qualifier ? `:${failure.qualifier}` : ""}`;
}

/** The function's page, at its version or alias when one was named. */
export function functionLink(region: string, functionName: string, qualifier?: string): string | undefined {
  const base = consoleBase(region);
  if (!base) return undefined;
  const page = `${base}/lambda/home?region=${region}#/functions/${encodeURIComponent(functionName)}`;
  if (!qualifier || qualifier === "$LATEST") return page;
  return /^\d+$/.test(qualifier)
    ? `${page}/versions/${qualifier}`
    : `${page}/aliases/${encodeURIComponent(qualifier)}`;
}
