import { EnvironmentError, InputError } from "../errors.js";

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string };
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ThrottledException",
  "RequestThrottledException",
]);
const ACCESS = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnauthorizedOperation",
  "AuthorizationError",
]);
const CREDENTIALS = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "ExpiredTokenException",
  "ExpiredToken",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
]);
const NETWORK =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|socket hang up|TimeoutError|RequestTimeout/i;

/**
 * Turn an SDK error into one sentence naming the operation and what to do.
 * By the time an error reaches here the SDK's retries are spent, so the
 * message says how many attempts were made.
 */
export function awsFailure(
  error: unknown,
  context: { operation: string; region: string; resource?: string },
): Error {
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? "Error";
  const attempts = e.$metadata?.attempts;
  const after = attempts && attempts > 1 ? ` after ${attempts} attempts` : "";
  const on = context.resource ? ` on ${context.resource}` : "";
  const where = `${context.operation}${on} in ${context.region}`;
  const message = (e.message ?? "").trim();

  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(message)) {
    return new EnvironmentError(
      "No AWS credentials found: run inside withAWS/withCredentials in Jenkins, or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.",
      { cause: error },
    );
  }
  if (THROTTLING.has(name)) {
    return new EnvironmentError(
      `AWS kept throttling ${where}${after} (${name}); try again later, or raise AWS_MAX_ATTEMPTS.`,
      { cause: error },
    );
  }
  if (ACCESS.has(name)) {
    return new EnvironmentError(
      `Access denied to ${where} (${name}: ${message}); allow ${context.operation} for the role Jenkins runs as.`,
      { cause: error },
    );
  }
  if (CREDENTIALS.has(name)) {
    return new EnvironmentError(
      `AWS rejected the credentials for ${where} (${name}: ${message}); refresh or fix them.`,
      {
        cause: error,
      },
    );
  }
  if (name === "ValidationException") {
    return new InputError(`AWS refused ${where} as invalid (${message}).`, { cause: error });
  }
  const status = e.$metadata?.httpStatusCode;
  if (e.$fault === "server" || (status !== undefined && status >= 500)) {
    return new EnvironmentError(
      `AWS failed ${where}${after} (HTTP ${status ?? "5xx"} ${name}); try again later.`,
      { cause: error },
    );
  }
  if (NETWORK.test(`${name} ${message} ${e.code ?? ""}`)) {
    return new EnvironmentError(
      `Could not reach AWS for ${where}${after} (${name}: ${message || e.code}); check the network, proxy or AWS_ENDPOINT_URL.`,
      { cause: error },
    );
  }
  return new EnvironmentError(`AWS error from ${where}${after}: ${name}${message ? `: ${message}` : ""}.`, {
    cause: error,
  });
}
