import { describe, expect, it } from "vitest";
import { backfillDates, MAX_BACKFILL_DATES } from "../src/backfill/dates.js";
import { ExitCode, InputError } from "../src/errors.js";

/** The InputError a call throws, so a test can read its one sentence. */
function refusal(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("expected an InputError");
}

describe("backfillDates: --from/--to", () => {
  it("gives every day of the range, both ends included, oldest first", () => {
    expect(backfillDates({ from: "2023-10-01", to: "2023-10-05" })).toEqual([
      "2023-10-01",
      "2023-10-02",
      "2023-10-03",
      "2023-10-04",
      "2023-10-05",
    ]);
  });

  it("gives one date when both ends are the same day", () => {
    expect(backfillDates({ from: "2023-10-14", to: "2023-10-14" })).toEqual(["2023-10-14"]);
  });

  it("crosses month and year ends and the leap day", () => {
    expect(backfillDates({ from: "2023-12-30", to: "2024-01-02" })).toEqual([
      "2023-12-30",
      "2023-12-31",
      "2024-01-01",
      "2024-01-02",
    ]);
    expect(backfillDates({ from: "2024-02-28", to: "2024-03-01" })).toEqual([
      "2024-02-28",
      "2024-02-29",
      "2024-03-01",
    ]);
  });

  it("is not moved by daylight-saving changes (days, not instants)", () => {
    // Europe and the US change clocks in late March and early November.
    const spring = backfillDates({ from: "2024-03-30", to: "2024-04-01" });
    const autumn = backfillDates({ from: "2024-11-02", to: "2024-11-04" });
    expect(spring).toEqual(["2024-03-30", "2024-03-31", "2024-04-01"]);
    expect(autumn).toEqual(["2024-11-02", "2024-11-03", "2024-11-04"]);
  });

  it("refuses --from after --to, naming both and what to do", () => {
    const error = refusal(() => backfillDates({ from: "2023-10-05", to: "2023-10-01" }));
    expect(error.message).toBe(
      "--from 2023-10-05 is after --to 2023-10-01; the range runs oldest first, so swap them.",
    );
    expect(error.exitCode).toBe(ExitCode.invalidInput);
  });

  it("refuses one end without the other", () => {
    expect(refusal(() => backfillDates({ from: "2023-10-01" })).message).toBe(
      "--from needs --to too: a range has both ends (both included).",
    );
    expect(refusal(() => backfillDates({ to: "2023-10-01" })).message).toBe(
      "--to needs --from too: a range has both ends (both included).",
    );
  });

  it("takes a full leap year and refuses one day more", () => {
    expect(backfillDates({ from: "2024-01-01", to: "2024-12-31" })).toHaveLength(MAX_BACKFILL_DATES);
    expect(refusal(() => backfillDates({ from: "2024-01-01", to: "2025-01-01" })).message).toBe(
      "--from 2024-01-01 to --to 2025-01-01 is 367 dates; one backfill takes at most 366 (a year): split it into several builds.",
    );
  });
});

describe("backfillDates: --dates", () => {
  it("sorts the list oldest first and says so", () => {
    const notes: string[] = [];
    const dates = backfillDates({ dates: "2023-10-03, 2023-10-01,2023-10-02", onNote: (n) => notes.push(n) });
    expect(dates).toEqual(["2023-10-01", "2023-10-02", "2023-10-03"]);
    expect(notes).toEqual(["--dates: dates sorted oldest first (2023-10-01, 2023-10-02, 2023-10-03)."]);
  });

  it("drops duplicates with a note naming them", () => {
    const notes: string[] = [];
    const dates = backfillDates({
      dates: "2023-10-01,2023-10-02,2023-10-01,2023-10-01",
      onNote: (n) => notes.push(n),
    });
    expect(dates).toEqual(["2023-10-01", "2023-10-02"]);
    expect(notes).toEqual([
      "--dates: 2023-10-01 listed more than once; each date runs once (2 duplicates dropped).",
    ]);
  });

  it("says nothing when the list is already in order without repeats", () => {
    const notes: string[] = [];
    expect(backfillDates({ dates: "2023-10-01,2023-11-01", onNote: (n) => notes.push(n) })).toEqual([
      "2023-10-01",
      "2023-11-01",
    ]);
    expect(notes).toEqual([]);
  });

  it("refuses an empty list and an empty entry", () => {
    expect(refusal(() => backfillDates({ dates: " " })).message).toBe(
      "--dates is empty; pass dates as YYYY-MM-DD separated by commas (e.g. 2023-10-01,2023-10-03).",
    );
    expect(refusal(() => backfillDates({ dates: "2023-10-01,,2023-10-02" })).message).toBe(
      "--dates has an empty entry at position 2 ('2023-10-01,,2023-10-02'); separate dates by single commas.",
    );
  });

  it("refuses more than a year of dates", () => {
    const many = backfillDates({ from: "2022-01-01", to: "2022-12-31" });
    const list = [...many, "2023-01-01", "2023-01-02"].join(",");
    expect(refusal(() => backfillDates({ dates: list })).message).toBe(
      "--dates lists 367 dates; one backfill takes at most 366 (a year): split it into several builds.",
    );
  });
});

describe("backfillDates: strict dates", () => {
  it.each([
    ["2023-1-05", "--from '2023-1-05' is not a date in the form YYYY-MM-DD (e.g. 2023-10-14)."],
    ["20231005", "--from '20231005' is not a date in the form YYYY-MM-DD (e.g. 2023-10-14)."],
    [
      "2023-10-05T00:00:00Z",
      "--from '2023-10-05T00:00:00Z' is not a date in the form YYYY-MM-DD (e.g. 2023-10-14).",
    ],
    ["yesterday", "--from 'yesterday' is not a date in the form YYYY-MM-DD (e.g. 2023-10-14)."],
    [
      "2023-02-29",
      "--from 2023-02-29 is not a real calendar date (February 2023 has no day 29); pass an existing date.",
    ],
    [
      "2023-04-31",
      "--from 2023-04-31 is not a real calendar date (April 2023 has no day 31); pass an existing date.",
    ],
    [
      "2023-13-01",
      "--from 2023-13-01 is not a real calendar date (there is no month 13); pass an existing date.",
    ],
    [
      "2023-10-00",
      "--from 2023-10-00 is not a real calendar date (October 2023 has no day 00); pass an existing date.",
    ],
  ])("refuses %s", (from, message) => {
    expect(refusal(() => backfillDates({ from, to: "2099-01-01" })).message).toBe(message);
  });

  it("names the entry of --dates that is wrong", () => {
    expect(refusal(() => backfillDates({ dates: "2023-10-01,2023-02-30" })).message).toBe(
      "--dates 2023-02-30 is not a real calendar date (February 2023 has no day 30); pass an existing date.",
    );
  });

  it("keeps years below 100 as written (Date.UTC would make 0099 into 1999)", () => {
    expect(backfillDates({ from: "0099-12-31", to: "0100-01-01" })).toEqual(["0099-12-31", "0100-01-01"]);
  });
});

describe("backfillDates: which form", () => {
  it("refuses both forms at once", () => {
    expect(
      refusal(() => backfillDates({ from: "2023-10-01", to: "2023-10-02", dates: "2023-10-01" })).message,
    ).toBe(
      "--from and --dates were both given; pass either a range (--from and --to) or a list (--dates), not both.",
    );
  });

  it("refuses neither", () => {
    expect(refusal(() => backfillDates({})).message).toBe(
      "backfill needs its dates: pass --from YYYY-MM-DD and --to YYYY-MM-DD, or --dates D1,D2,...",
    );
  });

  it("names BATCHINF_* variables when the values came from them", () => {
    const label = (option: string) => (option === "dates" ? "BATCHINF_DATES" : `--${option}`);
    expect(refusal(() => backfillDates({ to: "2023-10-01", dates: "2023-10-01", label })).message).toBe(
      "--to and BATCHINF_DATES were both given; pass either a range (--from and --to) or a list (BATCHINF_DATES), not both.",
    );
    expect(refusal(() => backfillDates({ dates: "2023-10-1", label })).message).toBe(
      "BATCHINF_DATES '2023-10-1' is not a date in the form YYYY-MM-DD (e.g. 2023-10-14).",
    );
  });
});
