import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import { formatDuration } from "../duration.js";
import { EnvironmentError, InputError, isCallCutShort } from "../errors.js";
import { ENDPOINT_NOTE, type EndpointNote } from "./endpoint-note.js";

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string };
}

/**
 * What an AWS error means to batchinf. The SDK's own classifiers decide what
 * is throttling or transient (the same ones its retry strategy uses), so the
 * poll loop, the abort path and the messages agree with the SDK's retries.
 */
export type AwsErrorKind =
  | "aborted"
  | "throttling"
  | "transient"
  | "credentials"
  /** The session's credentials ran out (ExpiredToken): renewable only with --assume-role. */
  | "expired"
  /** --assume-role could not be assumed (denied, or STS failed): the cause says why. */
  | "assume-role"
  | "access"
  /** The endpoint answered something that is not the service's JSON or XML (an HTML page, a cut-off body). */
  | "unreadable"
  | "not-found"
  | "invalid"
  | "other";

const ACCESS = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnauthorizedOperation",
  "AuthorizationError",
]);
const EXPIRED = new Set(["ExpiredTokenException", "ExpiredToken", "TokenRefreshRequired"]);
const CREDENTIALS = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "CredentialsProviderError",
]);
const NOT_FOUND = new Set([
  "ExecutionDoesNotExist",
  "StateMachineDoesNotExist",
  "ResourceNotFound",
  "ResourceNotFoundException",
  "ParameterNotFound",
]);
const INVALID = new Set(["ValidationException", "InvalidArn", "InvalidName", "InvalidExecutionInput"]);

export function classifyAwsError(error: unknown): AwsErrorKind {
  if (error === null || typeof error !== "object") return "other";
  const e = error as SdkError & Error;
  if (e.name === "AbortError" || isCallCutShort(error)) return "aborted";
  if (e.name === "AssumeRoleFailure") return "assume-role";
  if (EXPIRED.has(e.name ?? "")) return "expired";
  if (CREDENTIALS.has(e.name ?? "") || /Could not load credentials/i.test(e.message ?? ""))
    return "credentials";
  if (isThrottlingError(e as never)) return "throttling";
  if (isUnreadableAnswer(e)) return "unreadable";
  if (ACCESS.has(e.name ?? "")) return "access";
  if (NOT_FOUND.has(e.name ?? "")) return "not-found";
  if (INVALID.has(e.name ?? "")) return "invalid";
  if (isTransientError(e as never) || isServerError(e as never) || e.$fault === "server") return "transient";
  // A dropped connection surfaces as a plain Error with a Node code, sometimes wrapped.
  if (
    /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket hang up|TimeoutError/i.test(`${e.code ?? ""} ${e.name}`)
  )
    return "transient";
  return "other";
}

/** Worth another try later: the SDK's retries are spent, but the weather may clear. */
export function isRetryableLater(error: unknown): boolean {
  const kind = classifyAwsError(error);
  // A proxy's HTML 502 page is weather like any 5xx; an unreadable 200 is not.
  if (kind === "unreadable") return ((error as SdkError).$metadata?.httpStatusCode ?? 0) >= 500;
  return kind === "throttling" || kind === "transient";
}

export function awsErrorName(error: unknown): string {
  const e = error as (SdkError & { $response?: unknown }) | undefined;
  // The SDK names an answer it could not parse "SyntaxError": say what it was.
  if (e && typeof e === "object" && isUnreadableAnswer(e)) {
    const status = e.$metadata?.httpStatusCode;
    return `an answer that is not the service's JSON or XML${status !== undefined ? `, HTTP ${status}` : ""}`;
  }
  return e?.name ?? String(error);
}

/**
 * Turn an SDK error into one sentence naming the operation and what to do.
 * By the time an error reaches here the SDK's retries are spent, so the
 * message says how many attempts were made.
 */
export function awsFailure(
  error: unknown,
  context: { operation: string; region: string; resource?: string },
): Error {
  // Cut short by the interrupt or the deadline: its own exit code (130/143/4), not an AWS failure.
  if (isCallCutShort(error)) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? "Error";
  const attempts = e.$metadata?.attempts;
  const after = attempts && attempts > 1 ? ` after ${attempts} attempts` : "";
  const on = context.resource ? ` on ${context.resource}` : "";
  const where = `${context.operation}${on} in ${context.region}`;
  const message = (e.message ?? "").trim();

  switch (classifyAwsError(error)) {
    case "credentials":
      if (name === "CredentialsProviderError" || /Could not load credentials/i.test(message)) {
        return new EnvironmentError(
          "No AWS credentials found: run inside withAWS/withCredentials in Jenkins, or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.",
          { cause: error },
        );
      }
      return new EnvironmentError(
        `AWS rejected the credentials for ${where} (${name}: ${message}); refresh or fix them.`,
        { cause: error },
      );
    case "expired":
      return new CredentialsExpiredError(
        `The AWS credentials expired (${name} from ${where}); renew them (a longer session, or --assume-role ROLE_ARN so batchinf renews it) and run again.`,
        { cause: error },
      );
    case "assume-role":
      return assumeRoleFailure(error as Error & { roleArn?: string; cause?: unknown });
    case "unreadable":
      return unreadableAnswer(error as SdkError, where, after);
    case "throttling":
      return new EnvironmentError(
        `AWS kept throttling ${where}${after} (${name}); try again later, or raise AWS_MAX_ATTEMPTS.`,
        { cause: error },
      );
    case "access":
      return new EnvironmentError(
        `Access denied to ${where} (${name}: ${message}); allow ${context.operation} for the role Jenkins runs as.`,
        { cause: error },
      );
    case "invalid":
      return new InputError(`AWS refused ${where} as invalid (${name}: ${message}).`, { cause: error });
    case "aborted":
      return new EnvironmentError(`${where} was cut short (interrupted).`, { cause: error });
    case "transient": {
      const note = (error as { [ENDPOINT_NOTE]?: EndpointNote })[ENDPOINT_NOTE];
      if (name === "TimeoutError" && note) {
        const tries = attempts ?? 1;
        return new EnvironmentError(
          `${where}: no answer from ${note.host} within --request-timeout ${formatDuration(note.requestTimeoutMs)}, ${tries} ${tries === 1 ? "attempt" : "attempts"}; check the network, proxy or AWS_ENDPOINT_URL, or raise --request-timeout.`,
          { cause: error },
        );
      }
      const status = e.$metadata?.httpStatusCode;
      if (status !== undefined && status >= 500) {
        return new EnvironmentError(
          `AWS failed ${where}${after} (HTTP ${status} ${name}); try again later.`,
          {
            cause: error,
          },
        );
      }
      return new EnvironmentError(
        `Could not reach AWS for ${where}${after} (${name}: ${message || e.code}); check the network, proxy or AWS_ENDPOINT_URL.`,
        { cause: error },
      );
    }
    default:
      return new EnvironmentError(
        `AWS error from ${where}${after}: ${name}${message ? `: ${message}` : ""}.`,
        {
          cause: error,
        },
      );
  }
}

/**
 * The credentials ran out and nothing can renew them. Its own class: a wait
 * that meets it says the execution keeps running and how to attach again,
 * and it is never told as the execution failing.
 */
export class CredentialsExpiredError extends EnvironmentError {
  readonly reason = "credentials-expired";
}

/** --assume-role failed: name the role and what STS said, with what to change. */
function assumeRoleFailure(error: Error & { roleArn?: string; cause?: unknown }): Error {
  const role = error.roleArn ?? "the role";
  const cause = (error.cause ?? {}) as SdkError;
  const said = `${cause.name ?? "Error"}${cause.message ? `: ${cause.message.trim()}` : ""}`;
  if (classifyAwsError(cause) === "access") {
    return new EnvironmentError(
      `batchinf may not assume --assume-role ${role} (${said}); allow sts:AssumeRole on it for the identity Jenkins runs as, and trust that identity in the role's trust policy.`,
      { cause: error },
    );
  }
  return new EnvironmentError(`Could not assume --assume-role ${role} (${said}).`, { cause: error });
}

/**
 * The SDK could not parse the answer: its own words are "Deserialization
 * error: to see the raw response, inspect the hidden field
 * {error}.$response", which tells a Jenkins user nothing. A body that is not
 * JSON or XML comes from something in front of AWS (a proxy, a captive
 * portal) or from an AWS_ENDPOINT_URL that is not an AWS API.
 */
function isUnreadableAnswer(e: SdkError & { $response?: unknown }): boolean {
  return (
    /Deserialization error/i.test(e.message ?? "") || (e.name === "SyntaxError" && e.$response !== undefined)
  );
}

function unreadableAnswer(
  e: SdkError & { $response?: { headers?: Record<string, string> } },
  where: string,
  after: string,
): Error {
  const note = (e as { [ENDPOINT_NOTE]?: EndpointNote })[ENDPOINT_NOTE];
  const host = note ? `the endpoint ${note.host}` : "the endpoint";
  const status = e.$metadata?.httpStatusCode;
  const type =
    Object.entries(e.$response?.headers ?? {}).find(([key]) => key.toLowerCase() === "content-type")?.[1] ??
    "";
  const what = /html/i.test(type) ? "an HTML page" : "a body";
  return new EnvironmentError(
    `${where}: ${host} answered${status !== undefined ? ` HTTP ${status}` : ""} with ${what} that is not the service's JSON or XML${after}; check AWS_ENDPOINT_URL and any proxy between here and AWS.`,
    { cause: e },
  );
}
