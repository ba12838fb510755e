/**
 * Every failure batchinf reports on purpose is one of these classes. Each
 * carries the exit code of the contract and a sentence a person can act on;
 * `toExit` is the one place that turns any thrown value into both.
 */

export const ExitCode = {
  ok: 0,
  executionFailed: 1,
  invalidInput: 2,
  awsOrEnvironment: 3,
  timeout: 4,
  sigint: 130,
  sigterm: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The commands that call AWS are bundled apart from the bin (ES modules
 * dist/batchinf-<command>.mjs, see scripts/build.mjs) and carry their own
 * copy of these classes, so `instanceof` cannot recognise its
 * errors; a registry-wide symbol can.
 */
const BRAND = Symbol.for("batchinf.error");

export function isBatchinfError(error: unknown): error is BatchinfError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

export abstract class BatchinfError extends Error {
  abstract readonly exitCode: ExitCode;
  readonly [BRAND] = true;
  /** Extra lines shown under the message (e.g. each validation problem). */
  readonly details: readonly string[];

  constructor(message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options?.details ?? [];
  }
}

/** The user's own input or command line is wrong; nothing was started. Exit 2. */
export class InputError extends BatchinfError {
  readonly exitCode = ExitCode.invalidInput;
}

/** AWS or the environment failed us (credentials, access, not found, retries exhausted). Exit 3. */
export class EnvironmentError extends BatchinfError {
  readonly exitCode = ExitCode.awsOrEnvironment;
}

/**
 * Why an AWS call was cut short: the abort signal's reason. The command frame
 * aborts with the signal's name; the --timeout deadline with DEADLINE.
 */
export const DEADLINE = "deadline";

/** Registry-wide, as BRAND: the bundles' minified class names cannot tell the classes apart. */
const CUT_SHORT = Symbol.for("batchinf.cutShort");

/**
 * A call cut short by an abort signal (SIGINT/SIGTERM, or the --timeout
 * deadline), not by AWS: exit 130/143 for a signal, 4 for the deadline. The
 * one `send` (src/aws/send.ts) turns every aborted call into this, so no
 * caller mistakes an interrupt for an AWS failure (exit 3).
 */
export class CallCutShortError extends BatchinfError {
  readonly [CUT_SHORT] = true;
  readonly exitCode: ExitCode;
  /** The signal's reason: "SIGINT", "SIGTERM", DEADLINE, or another budget of the caller's (e.g. "--abort-timeout"). */
  readonly reason: unknown;
  /** The signal had aborted before the call: nothing was sent. */
  readonly unsent: boolean;

  constructor(reason: unknown, options?: { cause?: unknown; unsent?: boolean }) {
    super(
      reason === "SIGINT" || reason === "SIGTERM"
        ? `Interrupted (${reason}) while an AWS call was in flight; nothing more was sent.`
        : reason === DEADLINE
          ? "The --timeout deadline cut short an AWS call in flight."
          : `An AWS call got no answer within ${String(reason)} and was cut short; check the network, proxy or AWS_ENDPOINT_URL.`,
      options,
    );
    this.reason = reason;
    this.unsent = options?.unsent === true;
    // A signal: 130/143; the --timeout deadline: 4; another budget of the caller's (stop's --abort-timeout): AWS did not answer, 3.
    this.exitCode =
      reason === "SIGINT"
        ? ExitCode.sigint
        : reason === "SIGTERM"
          ? ExitCode.sigterm
          : reason === DEADLINE
            ? ExitCode.timeout
            : ExitCode.awsOrEnvironment;
  }
}

export function isCallCutShort(error: unknown): error is CallCutShortError {
  return isBatchinfError(error) && (error as unknown as Record<symbol, unknown>)[CUT_SHORT] === true;
}

export interface ExitReport {
  code: ExitCode;
  /** One sentence, never a stack trace. */
  message: string;
  details: readonly string[];
  /** Only with --verbose. */
  stack?: string;
}

/**
 * Map anything thrown to an exit code and a message. Errors we did not
 * anticipate are bugs or environment trouble: exit 3, with the message only
 * (the stack is for --verbose).
 */
export function toExit(error: unknown, verbose = false): ExitReport {
  if (isBatchinfError(error)) {
    return {
      code: error.exitCode,
      message: error.message,
      details: error.details,
      ...(verbose && error.stack ? { stack: fullStack(error) } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: ExitCode.awsOrEnvironment,
    message: `Unexpected error: ${message}. Re-run with --verbose for the stack trace and report it if it persists.`,
    details: [],
    ...(verbose && error instanceof Error && error.stack ? { stack: fullStack(error) } : {}),
  };
}

function fullStack(error: Error): string {
  let text = error.stack ?? String(error);
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    text += `\nCaused by: ${cause.stack ?? cause.message}`;
    cause = cause.cause;
  }
  return text;
}
