import dayjs from "dayjs";
import timezone from "dayjs/plugin/timezone.js";
import utc from "dayjs/plugin/utc.js";
import { calendarDay } from "../calendar.js";
import { flagOf } from "../cli-options.js";
import { InputError } from "../errors.js";
import { optionValue } from "../io/one-line.js";
import type { Source } from "./source.js";
import type { SourceValues } from "./types.js";

dayjs.extend(utc);
dayjs.extend(timezone);

export interface ExecutionDate {
  year: string;
  month: string;
  day: string;
  /** YYYYMMDD, for the default execution name. */
  compact: string;
}

/**
 * The execution date: `--date` for reruns and backfills, else today in
 * `--timezone`. Jenkins agents usually run in UTC while the business day may
 * not, which is why the zone is explicit.
 */
export function executionDate(options: {
  date?: string;
  timezone: string;
  now: () => number;
  /** How messages name an option (CommandContext.optionLabel): `BATCHINF_DATE` or `--date`. */
  label?: (option: "date" | "timezone") => string;
}): {
  date: ExecutionDate;
  values: SourceValues;
} {
  // UTC needs no zone data (loading it costs ~12 ms of a cold start).
  const label = options.label ?? flagOf;
  if (options.timezone !== "UTC") assertTimezone(options.timezone, label("timezone"));
  const date =
    options.date === undefined
      ? today(options.timezone, options.now())
      : parseDate(options.date, label("date"));
  const origin = options.date === undefined ? `today in ${options.timezone}` : label("date");
  const values: SourceValues = new Map([
    ["year", { value: date.year, source: "clock", origin }],
    ["month", { value: date.month, source: "clock", origin }],
    ["day", { value: date.day, source: "clock", origin }],
  ]);
  return { date, values };
}

/** The execution date as a source: year, month, day; `date` names the execution. Checked when built. */
export function clockSource(options: Parameters<typeof executionDate>[0]): Source & { date: ExecutionDate } {
  const { date, values } = executionDate(options);
  return { name: "clock", date, read: async () => ({ values }) };
}

export function parseDate(text: string, label = "--date"): ExecutionDate {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!match) {
    throw new InputError(
      `${optionValue(label, text)} is not a date in the form YYYY-MM-DD (e.g. 2023-10-14).`,
    );
  }
  const [, year = "", month = "", day = ""] = match;
  const found = calendarDay(Number(year), Number(month), Number(day));
  if (!found.ok) {
    throw new InputError(
      `${optionValue(label, text)} is not a real calendar date (${found.reason}); pass an existing date.`,
    );
  }
  return { year, month, day, compact: `${year}${month}${day}` };
}

function today(zone: string, nowMs: number): ExecutionDate {
  const now = zone === "UTC" ? dayjs(nowMs).utc() : dayjs(nowMs).tz(zone);
  return {
    year: now.format("YYYY"),
    month: now.format("MM"),
    day: now.format("DD"),
    compact: now.format("YYYYMMDD"),
  };
}

export function assertTimezone(zone: string, label = "--timezone"): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
  } catch {
    throw new InputError(
      `${optionValue(label, zone)} is not an IANA time zone; use a name such as UTC, Asia/Kolkata or Europe/Berlin.`,
    );
  }
}
