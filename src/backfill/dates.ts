import { calendarDay } from "../calendar.js";
import { flagOf } from "../cli-options.js";
import { InputError } from "../errors.js";

/**
 * The dates a backfill runs, from `--from D --to D` (every day in between,
 * both ends included) or `--dates D1,D2,...`, oldest first.
 *
 * Dates are calendar days, not instants: they are handled as UTC midnights so
 * that no time zone or daylight-saving change can skip or repeat a day.
 */

/**
 * The most dates one backfill takes: a full year of daily runs, leap day
 * included. Each date is one execution with its own Glue and Batch jobs;
 * past this a typo in a year (`--from 2013-01-01` for 2023) would start
 * thousands of them, and one Jenkins log could no longer be read. Longer
 * backfills are several builds, one per year.
 */
export const MAX_BACKFILL_DATES = 366;

export interface BackfillDateOptions {
  from?: string;
  to?: string;
  dates?: string;
  /**
   * How a message names an option (`--from`, or `BATCHINF_FROM` when the value
   * came from that variable): CommandContext.optionLabel. Default: the flag.
   */
  label?: (option: "from" | "to" | "dates") => string;
  /** Told about what was tidied up (duplicates dropped, order changed). */
  onNote?: (message: string) => void;
}

const DAY_MS = 24 * 3600 * 1000;
const FORM = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Duplicates in `--dates` are dropped with a note rather than refused: two
 * runs of the same date would get the same execution name anyway (the second
 * would only attach to the first), so the intent is clear and failing the
 * build would help nobody. An unsorted list is sorted, also with a note.
 */
export function backfillDates(options: BackfillDateOptions): string[] {
  const label = options.label ?? flagOf;
  const hasRange = options.from !== undefined || options.to !== undefined;
  const hasList = options.dates !== undefined;
  if (hasRange && hasList) {
    const range = options.from !== undefined ? label("from") : label("to");
    throw new InputError(
      `${range} and ${label("dates")} were both given; pass either a range (${label("from")} and ${label("to")}) or a list (${label("dates")}), not both.`,
    );
  }
  if (hasList) return listed(options.dates as string, label, options.onNote);
  if (!hasRange) {
    throw new InputError(
      `backfill needs its dates: pass ${label("from")} YYYY-MM-DD and ${label("to")} YYYY-MM-DD, or ${label("dates")} D1,D2,...`,
    );
  }
  if (options.from === undefined || options.to === undefined) {
    const [given, missing] = options.from === undefined ? ["to", "from"] : ["from", "to"];
    throw new InputError(
      `${label(given as "from" | "to")} needs ${label(missing as "from" | "to")} too: a range has both ends (both included).`,
    );
  }
  return range(options.from, options.to, label);
}

function range(fromText: string, toText: string, label: (option: "from" | "to") => string): string[] {
  const from = dayOf(fromText, label("from"));
  const to = dayOf(toText, label("to"));
  if (from > to) {
    throw new InputError(
      `${label("from")} ${fromText.trim()} is after ${label("to")} ${toText.trim()}; the range runs oldest first, so swap them.`,
    );
  }
  const count = Math.round((to - from) / DAY_MS) + 1;
  if (count > MAX_BACKFILL_DATES) {
    throw new InputError(
      `${label("from")} ${fromText.trim()} to ${label("to")} ${toText.trim()} is ${count} dates; one backfill takes at most ${MAX_BACKFILL_DATES} (a year): split it into several builds.`,
    );
  }
  return Array.from({ length: count }, (_, i) => isoDay(from + i * DAY_MS));
}

function listed(
  text: string,
  label: (option: "dates") => string,
  onNote: ((message: string) => void) | undefined,
): string[] {
  const flag = label("dates");
  const items = text.split(",").map((item) => item.trim());
  if (items.every((item) => item === "")) {
    throw new InputError(
      `${flag} is empty; pass dates as YYYY-MM-DD separated by commas (e.g. 2023-10-01,2023-10-03).`,
    );
  }
  const blank = items.indexOf("");
  if (blank >= 0) {
    throw new InputError(
      `${flag} has an empty entry at position ${blank + 1} ('${text}'); separate dates by single commas.`,
    );
  }
  const days = items.map((item) => dayOf(item, flag));
  const unique = [...new Set(days)].sort((a, b) => a - b);
  if (unique.length > MAX_BACKFILL_DATES) {
    throw new InputError(
      `${flag} lists ${unique.length} dates; one backfill takes at most ${MAX_BACKFILL_DATES} (a year): split it into several builds.`,
    );
  }
  const dropped = days.length - unique.length;
  if (dropped > 0) {
    const repeated = [...new Set(days.filter((day, i) => days.indexOf(day) !== i))].map(isoDay);
    onNote?.(
      `${flag}: ${repeated.join(", ")} listed more than once; each date runs once (${dropped} duplicate${dropped === 1 ? "" : "s"} dropped).`,
    );
  }
  const sorted = unique.map(isoDay);
  const asGiven = [...new Set(days)].map(isoDay);
  if (asGiven.some((day, i) => day !== sorted[i])) {
    onNote?.(`${flag}: dates sorted oldest first (${sorted.join(", ")}).`);
  }
  return sorted;
}

/** UTC midnight of a strict YYYY-MM-DD that names a real calendar day. */
function dayOf(raw: string, flag: string): number {
  const text = raw.trim();
  const match = FORM.exec(text);
  if (!match) {
    throw new InputError(`${flag} '${raw}' is not a date in the form YYYY-MM-DD (e.g. 2023-10-14).`);
  }
  const found = calendarDay(Number(match[1]), Number(match[2]), Number(match[3]));
  if (!found.ok) {
    throw new InputError(
      `${flag} ${text} is not a real calendar date (${found.reason}); pass an existing date.`,
    );
  }
  return found.ms;
}

function isoDay(ms: number): string {
  const date = new Date(ms);
  const year = String(date.getUTCFullYear()).padStart(4, "0");
  const month = String(date.getUTCMonth() + 1).padStart(2, "0");
  const day = String(date.getUTCDate()).padStart(2, "0");
  return `${year}-${month}-${day}`;
}
