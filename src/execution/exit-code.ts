import { DEADLINE, ExitCode, isCallCutShort, toExit } from "../errors.js";
import type { Outcome } from "./model.js";

/**
 * The exit code as a pure function of how following ended: the contract's
 * table in one place. Thrown errors arrive as `{ kind: "error" }` and map
 * through the same function.
 *
 * | outcome                                   | code |
 * | ----------------------------------------- | ---- |
 * | dry run, started (--no-wait), SUCCEEDED   | 0    |
 * | not started (backfill --fail-fast)        | 0 (the failed date gives 1) |
 * | FAILED, TIMED_OUT, ABORTED                | 1    |
 * | bad input or usage (InputError)           | 2    |
 * | AWS or environment error                  | 3    |
 * | --timeout reached                         | 4    |
 * | SIGINT / SIGTERM                          | 130 / 143 |
 */
export function exitCodeOf(outcome: Outcome): ExitCode {
  switch (outcome.kind) {
    case "dry-run":
    case "started":
      return ExitCode.ok;
    // A date --timeout kept from starting was not run: the wait ran out, exit 4; after --fail-fast the failed date decides.
    case "not-started":
      return outcome.because === "timeout" ? ExitCode.timeout : ExitCode.ok;
    case "ended":
      return outcome.status === "SUCCEEDED" ? ExitCode.ok : ExitCode.executionFailed;
    case "timeout":
      return ExitCode.timeout;
    case "interrupted":
      return outcome.signal === "SIGINT" ? ExitCode.sigint : ExitCode.sigterm;
    case "error":
      return toExit(outcome.error).code;
  }
}

/**
 * What a thrown error means for an execution not yet started: a call cut
 * short by SIGINT/SIGTERM is an interruption before the start (130/143), by
 * the --timeout deadline a timeout (4); anything else is the error itself.
 */
export function outcomeOfError(error: unknown, onAbort: "stop" | "detach"): Outcome {
  if (isCallCutShort(error)) {
    if (error.reason === "SIGINT" || error.reason === "SIGTERM") {
      return { kind: "interrupted", signal: error.reason, action: onAbort, stopped: false, started: false };
    }
    if (error.reason === DEADLINE) return { kind: "timeout", stopped: false };
  }
  return { kind: "error", error };
}

/**
 * Several executions (backfill): a signal or an error outranks everything, a
 * timeout outranks a failed execution, which outranks success.
 */
export function exitCodeOfAll(outcomes: readonly Outcome[]): ExitCode {
  const codes = outcomes.map(exitCodeOf);
  for (const code of [
    ExitCode.sigint,
    ExitCode.sigterm,
    ExitCode.invalidInput,
    ExitCode.awsOrEnvironment,
    ExitCode.timeout,
    ExitCode.executionFailed,
  ]) {
    if (codes.includes(code)) return code;
  }
  return ExitCode.ok;
}

/** A word for the result file's `outcome.reason`. */
export function reasonOf(outcome: Outcome): string {
  switch (outcome.kind) {
    case "dry-run":
      return "dry-run";
    case "started":
      return "started";
    case "not-started":
      return "not-started";
    case "ended":
      return outcome.status === "SUCCEEDED" ? "succeeded" : "failed";
    case "timeout":
      return "timeout";
    case "interrupted":
      return outcome.action === "detach" ? "detached" : "interrupted";
    case "error": {
      // An error that names its own reason (credentials-expired) keeps it: the execution did not fail.
      const own = (outcome.error as { reason?: unknown } | null)?.reason;
      if (typeof own === "string") return own;
      return toExit(outcome.error).code === ExitCode.invalidInput ? "invalid-input" : "error";
    }
  }
}
