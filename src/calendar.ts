/**
 * Whether year-month-day names a real day of the proleptic Gregorian
 * calendar, for every year 0000-9999. The one place that asks, so --date,
 * backfill's --from/--to/--dates and the input's year/month/day agree.
 *
 * Built with setUTCFullYear, never Date.UTC or `new Date(y, m, d)`: those
 * read years 0-99 as 1900-1999, so 0050-06-15 was "not a real date".
 */
export type CalendarDay = { ok: true; ms: number } | { ok: false; reason: string };

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

export function calendarDay(year: number, month: number, day: number): CalendarDay {
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    return { ok: false, reason: `there is no month ${String(month).padStart(2, "0")}` };
  }
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  if (
    !Number.isInteger(year) ||
    !Number.isInteger(day) ||
    probe.getUTCFullYear() !== year ||
    probe.getUTCMonth() !== month - 1 ||
    probe.getUTCDate() !== day
  ) {
    return {
      ok: false,
      reason: `${MONTHS[month - 1]} ${String(year).padStart(4, "0")} has no day ${String(day).padStart(2, "0")}`,
    };
  }
  return { ok: true, ms: probe.getTime() };
}
