import { InputError } from "../errors.js";
import { type Composition, compose } from "../input/compose.js";
import type { PreparedInput } from "../input/prepare.js";
import { type ExecutionDate, parseDate } from "../sources/clock.js";
import type { SourceValues } from "../sources/types.js";
import { validateInput } from "../validate/input.js";
import { hasErrors, type Problem } from "../validate/problem.js";

/** One date's input, composed as `run --date D` would compose it. */
export interface DateInput {
  /** YYYY-MM-DD. */
  date: string;
  executionDate: ExecutionDate;
  composition: Composition;
  problems: Problem[];
}

const DATE_KEYS = ["year", "month", "day"] as const;

/**
 * One input per date from one read of the sources: the layers `prepareInput`
 * read are composed again with each date's year/month/day in place of the
 * clock's. `compose` is the one merge, so the
 * precedence is run's: a `--set day=05` still wins over every date.
 */
export function inputsForDates(
  prepared: PreparedInput,
  dates: readonly string[],
  now: number,
  mask?: (text: string) => string,
): DateInput[] {
  return dates.map((date) => {
    const executionDate = parseDate(date);
    const origin = `backfill date ${date}`;
    const dateValues: SourceValues = new Map(
      DATE_KEYS.map((key) => [key, { value: executionDate[key], source: "clock" as const, origin }]),
    );
    // The clock's values give way to the date's, in their layer and place: the input's key order is run's.
    const composition = compose(prepared.layers.map((layer) => withDate(layer, dateValues)));
    const problems =
      composition.missing.length > 0
        ? []
        : validateInput(composition.input, { now, ...(mask ? { mask } : {}) });
    return { date, executionDate, composition, problems };
  });
}

function withDate(layer: SourceValues, dateValues: SourceValues): SourceValues {
  if (!DATE_KEYS.some((key) => layer.get(key)?.source === "clock")) return layer;
  // Map.set keeps a key's first position and takes the new value.
  const dated = new Map(layer);
  for (const [key, value] of dateValues) dated.set(key, value);
  return dated;
}

/** `--set year=...` (or month, day) gives every date the same value: legal, but worth saying once. */
export function dateOverrides(prepared: PreparedInput): string[] {
  return DATE_KEYS.flatMap((key) => {
    const entry = prepared.composition.provenance[key];
    return entry?.source === "set" ? [`${key}=${JSON.stringify(entry.value)}`] : [];
  });
}

/**
 * Every date valid, or an InputError (exit 2) that names each invalid date
 * and its problems: nothing is started unless all of them can be.
 */
export function assertAllValid(
  inputs: readonly DateInput[],
  describe: (problem: Problem, input: DateInput) => string,
): void {
  const invalid = inputs.filter((input) => hasErrors(input.problems));
  if (invalid.length === 0) return;
  const named =
    invalid.length <= 5
      ? invalid.map((input) => input.date).join(", ")
      : `${invalid
          .slice(0, 5)
          .map((input) => input.date)
          .join(", ")} and ${invalid.length - 5} more`;
  throw new InputError(
    `The composed input is invalid for ${invalid.length} of ${inputs.length} ${inputs.length === 1 ? "date" : "dates"} (${named}); nothing was started. Fix the source named for each key, or override it with --set KEY=VALUE.`,
    {
      details: invalid.flatMap((input) =>
        input.problems
          .filter((problem) => problem.severity === "error")
          .map((problem) => `${input.date}: ${describe(problem, input)}`),
      ),
    },
  );
}
