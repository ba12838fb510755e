import { InputError } from "./errors.js";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Durations as people write them in a Jenkinsfile: `500ms`, `30s`, `15m`,
 * `2h`, or combined (`1h30m`). A bare number is refused: is it seconds or
 * minutes? Guessing would turn a 30-minute timeout into a 30-second one.
 */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (trimmed === "" || parts.map((part) => part[0]).join("") !== trimmed) {
    throw new InputError(
      `${flag} '${text}' is not a duration; write it with a unit, e.g. 500ms, 30s, 15m, 2h or 1h30m.`,
    );
  }
  return Math.round(
    parts.reduce((total, [, amount = "0", unit = "s"]) => total + Number(amount) * (UNIT_MS[unit] ?? 0), 0),
  );
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
