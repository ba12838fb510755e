import { formatDuration } from "../duration.js";
import { InputError } from "../errors.js";

const HOUR = 3_600_000;

/**
 * The poll flags together, checked before any AWS call:
 * 0 < --poll-interval <= --max-poll-interval <= 1h. Each flag's own range
 * (positive, at most 30 days) is its parser's job.
 */
export function checkPollIntervals(
  options: { pollInterval: number; maxPollInterval: number },
  label: (option: string) => string = (option) =>
    option === "pollInterval" ? "--poll-interval" : "--max-poll-interval",
): void {
  if (options.pollInterval <= 0) {
    throw new InputError(`${label("pollInterval")} must be longer than 0; e.g. 2s.`);
  }
  if (options.maxPollInterval > HOUR) {
    throw new InputError(
      `${label("maxPollInterval")} ${formatDuration(options.maxPollInterval)} is longer than 1h; poll at least once an hour (e.g. 20s).`,
    );
  }
  if (options.maxPollInterval < options.pollInterval) {
    throw new InputError(
      `${label("maxPollInterval")} ${formatDuration(options.maxPollInterval)} is shorter than ${label("pollInterval")} ${formatDuration(options.pollInterval)}; make it at least as long.`,
    );
  }
}
