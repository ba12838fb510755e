import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calendarDay } from "../src/calendar.js";
import { formatDuration, parseDuration } from "../src/duration.js";
import { InputError } from "../src/errors.js";
import { defaultExecutionName } from "../src/execution/execution-name.js";
import { executionDate, parseDate } from "../src/sources/clock.js";

describe("execution date", () => {
  it("zero-pads and accepts --date", () => {
    expect(parseDate("2023-10-04")).toEqual({ year: "2023", month: "10", day: "04", compact: "20231004" });
  });

  it("refuses impossible and malformed dates with the fix", () => {
    expect(() => parseDate("2023-02-30")).toThrow(/not a real calendar date \(February 2023 has no day 30\)/);
    expect(() => parseDate("14/10/2023")).toThrow(InputError);
  });

  it("takes years below 100 as written: Date.UTC read 0050 as 1950 and refused June 15", () => {
    expect(parseDate("0050-06-15")).toEqual({ year: "0050", month: "06", day: "15", compact: "00500615" });
    expect(parseDate("0004-02-29").day).toBe("29");
    expect(() => parseDate("0100-02-29")).toThrow(/February 0100 has no day 29/);
  });

  it("takes today in --timezone: late evening UTC is already tomorrow in Kolkata", () => {
    const now = () => Date.UTC(2023, 9, 14, 20, 0, 0);
    expect(executionDate({ timezone: "UTC", now }).date.day).toBe("14");
    expect(executionDate({ timezone: "Asia/Kolkata", now }).date.day).toBe("15");
  });

  it("refuses a time zone that does not exist", () => {
    expect(() => executionDate({ timezone: "Mars/Olympus", now: Date.now })).toThrow(/not an IANA time zone/);
  });
});

describe("durations", () => {
  it("parses the contract's units and combinations", () => {
    expect(parseDuration("500ms", "--x")).toBe(500);
    expect(parseDuration("30s", "--x")).toBe(30_000);
    expect(parseDuration("15m", "--x")).toBe(900_000);
    expect(parseDuration("2h", "--x")).toBe(7_200_000);
    expect(parseDuration("1h30m", "--x")).toBe(5_400_000);
  });

  it("refuses a bare number: seconds or minutes would be a guess", () => {
    expect(() => parseDuration("30", "--timeout")).toThrow(/--timeout='30' is not a duration/);
  });

  it("formats compactly", () => {
    expect(formatDuration(950)).toBe("0.9s");
    expect(formatDuration(83_000)).toBe("1m23s");
    expect(formatDuration(3_723_000)).toBe("1h02m03s");
  });
});

describe("default execution name", () => {
  const now = Date.UTC(2023, 9, 14, 10, 15, 2);
  it("uses BUILD_TAG so a retried build reuses the name", () => {
    expect(defaultExecutionName("DCP", "20231014", "jenkins-ml/batch inference-42", now)).toBe(
      "DCP-20231014-jenkins-ml-batch-inference-42",
    );
  });

  it("falls back to a UTC timestamp", () => {
    expect(defaultExecutionName("DCP", "20231014", undefined, now)).toBe("DCP-20231014-20231014T101502Z");
  });

  it("cuts long names to 80 characters with a hash that keeps them distinct", () => {
    const a = defaultExecutionName("DCP", "20231014", `jenkins-${"x".repeat(100)}-1`, now);
    const b = defaultExecutionName("DCP", "20231014", `jenkins-${"x".repeat(100)}-2`, now);
    expect(a.length).toBeLessThanOrEqual(80);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
  });
});

describe("calendar days", () => {
  // The Gregorian rule written out, independent of Date: what calendarDay must agree with.
  const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const daysIn = (y: number, m: number) =>
    [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;

  it("accepts exactly the days the Gregorian rule has, for every year 0000-9999 (1,000 generated cases)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (year, month, day) => {
          const found = calendarDay(year, month, day);
          const real = month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
          expect(found.ok).toBe(real);
          if (found.ok) {
            const date = new Date(found.ms);
            expect([date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]).toEqual([
              year,
              month,
              day,
            ]);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
