import { InputError } from "./errors.js";
import { optionValue } from "./io/one-line.js";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest duration any flag takes: 30 days. */
export const MAX_DURATION_MS = 30 * 86_400_000;

/**
 * Node's timers hold a signed 32-bit delay (about 24.8 days); a longer one
 * fires after 1 ms, which turned `--poll-interval 600h` into a poll every
 * millisecond. Sleep in steps of at most this (`timerSteps`).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The longest interval between two polls. */
export const MAX_POLL_INTERVAL_MS = 3_600_000;

/**
 * Durations as people write them in a Jenkinsfile: `500ms`, `30s`, `15m`,
 * `2h`, `1d`, or combined (`1h30m`), each unit at most once. A bare number
 * is refused: is it seconds or minutes? Guessing would turn a 30-minute
 * timeout into a 30-second one. Positive and at most 30 days.
 *
 * `flag` is how the message names the option: `--timeout`, or
 * `BATCHINF_TIMEOUT` when the value came from the environment.
 */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  const shown = optionValue(flag, text);
  if (trimmed === "" || parts.map((part) => part[0]).join("") !== trimmed) {
    throw new InputError(
      `${shown} is not a duration; write it with a unit, e.g. 500ms, 30s, 15m, 2h or 1h30m.`,
    );
  }
  const units = parts.map((part) => part[2] ?? "");
  const repeated = units.find((unit, i) => units.indexOf(unit) !== i);
  if (repeated !== undefined) {
    throw new InputError(`${shown} names the unit '${repeated}' twice; write each unit once, e.g. 1h30m.`);
  }
  const ms = Math.round(
    parts.reduce((total, [, amount = "0", unit = "s"]) => total + Number(amount) * (UNIT_MS[unit] ?? 0), 0),
  );
  if (!(ms > 0)) throw new InputError(`${shown} is not a positive duration; use at least 1ms.`);
  if (ms > MAX_DURATION_MS) {
    throw new InputError(`${shown} is longer than 30 days, the longest duration batchinf accepts.`);
  }
  return ms;
}

/**
 * The contract's rule between the two poll flags: `--poll-interval` <=
 * `--max-poll-interval` <= 1h. `label` names each option as the user set
 * it (CommandContext.optionLabel).
 */
export function checkPollIntervals(
  pollInterval: number,
  maxPollInterval: number,
  label: (option: "pollInterval" | "maxPollInterval") => string = (option) =>
    option === "pollInterval" ? "--poll-interval" : "--max-poll-interval",
): void {
  if (maxPollInterval > MAX_POLL_INTERVAL_MS) {
    throw new InputError(
      `${label("maxPollInterval")} ${formatDuration(maxPollInterval)} is longer than 1h; a poll at least every hour keeps the build log alive.`,
    );
  }
  if (pollInterval > maxPollInterval) {
    throw new InputError(
      `${label("pollInterval")} ${formatDuration(pollInterval)} is longer than ${label("maxPollInterval")} ${formatDuration(maxPollInterval)}; make the first interval the shorter one.`,
    );
  }
}

/**
 * A wait of `ms` as a list of delays each safe for setTimeout (see
 * MAX_TIMER_MS): `for (const step of timerSteps(ms)) await sleep(step)`.
 */
export function timerSteps(ms: number): number[] {
  const steps: number[] = [];
  let left = Math.max(0, Math.round(ms));
  while (left > MAX_TIMER_MS) {
    steps.push(MAX_TIMER_MS);
    left -= MAX_TIMER_MS;
  }
  steps.push(left);
  return steps;
}

/** 83_000 -> "1m23s"; 950 -> "0.9s": compact, for log lines. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(Math.max(ms, 0) / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0
    ? `${hours}h${String(minutes).padStart(2, "0")}m${String(seconds).padStart(2, "0")}s`
    : `${minutes}m${String(seconds).padStart(2, "0")}s`;
}
