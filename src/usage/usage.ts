/**
 * A unit a task kind measures its work in: its key in --prices and in the
 * cost's parts ("glueDpuHour"), the key of its total in the result file
 * ("glueDpuHours"), and its words in the log ("DPU-hours").
 */
export interface UsageUnit {
  price: string;
  total: string;
  label: string;
}

/**
 * What a task kind measures (declared by the kind, in src/tasks/): its name
 * in the log ("Glue"), what it counts ("run", kept in the result under
 * `count`, "glueRuns"), and its units. Nothing here names a kind.
 */
export interface UsageMeter {
  name: string;
  noun: string;
  count: string;
  units: readonly UsageUnit[];
}

/** What one task attempt used, read by its kind from the job document its `.sync` integration put in the history. */
export interface AttemptUsage {
  meter: UsageMeter;
  /** Unit (its price key) -> quantity. */
  quantities: Record<string, number>;
  /** Where the figure came from, in the kind's words (Glue: DPUSeconds, workers or MaxCapacity). */
  basis?: string;
}

/** One meter's sum over an execution's attempts. */
export interface MeteredUsage {
  meter: UsageMeter;
  /** Attempts counted (one whose document says nothing of its size is not). */
  count: number;
  /** Unit (its price key) -> quantity. */
  quantities: Record<string, number>;
}

/** What an execution used: the sum over its task attempts, by meter, and its state transitions. */
export interface Usage {
  /** Step Functions' billing unit: each state entered, and each retry. */
  stateTransitions: number;
  metered: MeteredUsage[];
  /** With --prices: the estimate, by unit, and its total. */
  cost?: Cost;
}

export interface Cost {
  currency: string;
  total: number;
  /** Unit -> amount, for the units that were used and priced. */
  parts: Record<string, number>;
}

/** Step Functions' own unit, priced as any kind's: the --prices key. */
export const STATE_TRANSITION = "stateTransition";

/** A job document (TaskSucceeded's output, a failure's cause) as an object; anything else is undefined. */
export function jobDocument(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Usage with nothing measured yet: each meter given at zero (the result file lists every kind's totals). */
export function emptyUsage(meters: readonly UsageMeter[], stateTransitions = 0): Usage {
  return { stateTransitions, metered: meters.map((meter) => ({ meter, count: 0, quantities: {} })) };
}

/** The entry for `meter` (matched by its count key), added when it is not there yet. */
function meteredFor(usage: Usage, meter: UsageMeter): MeteredUsage {
  let entry = usage.metered.find((m) => m.meter.count === meter.count);
  if (!entry) {
    entry = { meter, count: 0, quantities: {} };
    usage.metered.push(entry);
  }
  return entry;
}

function addQuantities(into: Record<string, number>, from: Record<string, number>): void {
  for (const [unit, value] of Object.entries(from)) into[unit] = (into[unit] ?? 0) + value;
}

/** An execution's usage from its attempts' usage; `meters` are the kinds' (all listed in the result, used or not). */
export function sumAttempts(
  attempts: Iterable<AttemptUsage | undefined>,
  stateTransitions: number,
  meters: readonly UsageMeter[] = [],
): Usage {
  const usage = emptyUsage(meters, stateTransitions);
  for (const attempt of attempts) {
    if (!attempt) continue;
    const entry = meteredFor(usage, attempt.meter);
    addQuantities(entry.quantities, attempt.quantities);
    entry.count += 1;
  }
  return usage;
}

/** backfill: the executions' usage added up (costs too, when every one was priced in one currency). */
export function totalUsage(usages: Iterable<Usage | undefined>): Usage | undefined {
  let total: Usage | undefined;
  const costs: Array<Cost | undefined> = [];
  for (const usage of usages) {
    if (!usage) continue;
    total ??= emptyUsage([]);
    total.stateTransitions += usage.stateTransitions;
    for (const metered of usage.metered) {
      const entry = meteredFor(total, metered.meter);
      entry.count += metered.count;
      addQuantities(entry.quantities, metered.quantities);
    }
    costs.push(usage.cost);
  }
  const currency = costs[0]?.currency;
  if (total && currency && costs.every((cost) => cost?.currency === currency)) {
    const parts: Record<string, number> = {};
    for (const cost of costs as Cost[]) addQuantities(parts, cost.parts);
    total.cost = { currency, total: costs.reduce((sum, cost) => sum + (cost?.total ?? 0), 0), parts };
  }
  return total;
}

/** One line for the log: "Glue 0.42 DPU-hours (5 runs), Batch 1.33 vCPU-hours and 5.33 GiB-hours (1 job), 14 state transitions". */
export function usageText(usage: Usage): string {
  const parts: string[] = [];
  for (const { meter, count, quantities } of usage.metered) {
    if (count === 0) continue;
    const amounts = meter.units.map((unit) => `${hours(quantities[unit.price] ?? 0)} ${unit.label}`);
    parts.push(`${meter.name} ${amounts.join(" and ")} (${plural(count, meter.noun)})`);
  }
  parts.push(plural(usage.stateTransitions, "state transition"));
  const cost = usage.cost ? `; estimated cost ${money(usage.cost)} (--prices)` : "";
  return `${parts.join(", ")}${cost}`;
}

export function money(cost: Cost): string {
  return `${cost.currency} ${cost.total.toFixed(cost.total < 1 ? 4 : 2)}`;
}

/**
 * Usage as files hold it (the result file, JSON log lines): state
 * transitions, each unit's total and each meter's count under the keys the
 * kinds declare ("glueDpuHours", "glueRuns"...), then the cost. Figures are
 * rounded to 4 decimals (a tenth of a DPU-second is noise).
 */
export interface UsageRecord {
  stateTransitions: number;
  [total: string]: number | Cost | undefined;
  cost?: Cost;
}

export function roundedUsage(usage: Usage): UsageRecord {
  const record: UsageRecord = { stateTransitions: usage.stateTransitions };
  for (const { meter, count, quantities } of usage.metered) {
    for (const unit of meter.units) record[unit.total] = round(quantities[unit.price] ?? 0);
    record[meter.count] = count;
  }
  if (usage.cost) {
    record.cost = {
      currency: usage.cost.currency,
      total: Math.round(usage.cost.total * 1e6) / 1e6,
      parts: Object.fromEntries(
        Object.entries(usage.cost.parts).map(([unit, value]) => [unit, Math.round(value * 1e6) / 1e6]),
      ),
    };
  }
  return record;
}

/** The measured totals as `[key, rounded figure]` of the meters that counted something (JUnit's properties). */
export function usedTotals(usage: Usage): Array<[string, number]> {
  return usage.metered
    .filter((metered) => metered.count > 0)
    .flatMap(({ meter, quantities }) =>
      meter.units.map((unit): [string, number] => [unit.total, round(quantities[unit.price] ?? 0)]),
    );
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

function hours(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(3);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
