import { InputError } from "../errors.js";

/**
 * What `stop` stops: one execution ARN or --result-file, never both or
 * neither. Checked by the program before the command (and the AWS SDK with
 * it) loads, so a bare `batchinf stop` answers at --version's speed.
 */
export function assertStopTarget(
  args: readonly string[],
  options: { resultFile?: string | undefined },
): void {
  if (args[0] !== undefined && options.resultFile !== undefined) {
    throw new InputError("Give the execution ARN or --result-file FILE, not both.");
  }
  if (args[0] === undefined && options.resultFile === undefined) {
    throw new InputError(
      "Name the execution to stop: batchinf stop ARN, or batchinf stop --result-file FILE.",
    );
  }
}
