import { InputError } from "../errors.js";
import { clipText } from "../io/one-line.js";
import { readJsonObjectFile } from "../sources/json-file.js";
import type { Cost, Usage } from "./usage.js";

/** Unit prices of --prices FILE: one per unit batchinf measures, and the currency they are in. */
export interface Prices {
  currency: string;
  glueDpuHour?: number;
  batchVcpuHour?: number;
  batchGibHour?: number;
  stateTransition?: number;
}

const UNITS = ["glueDpuHour", "batchVcpuHour", "batchGibHour", "stateTransition"] as const;
type Unit = (typeof UNITS)[number];

/** What each unit multiplies. */
const MEASURE: Record<Unit, (usage: Usage) => number> = {
  glueDpuHour: (usage) => usage.glueDpuHours,
  batchVcpuHour: (usage) => usage.batchVcpuHours,
  batchGibHour: (usage) => usage.batchGibHours,
  stateTransition: (usage) => usage.stateTransitions,
};

/**
 * Read --prices FILE: a JSON object of unit prices (`glueDpuHour`,
 * `batchVcpuHour`, `batchGibHour`, `stateTransition`) and an optional
 * `currency` (default USD). An unknown key is refused (a typo would price a
 * unit at nothing), and so is a price that is not a number >= 0.
 */
export async function readPrices(file: string, name = "--prices"): Promise<Prices> {
  const fix = `Give a JSON object of unit prices: ${UNITS.join(", ")} (numbers), and currency (text).`;
  const raw = await readJsonObjectFile(file, { name, holds: "unit prices", fix });
  return pricesOf(raw, `${name} ${clipText(file)}`, fix);
}

export function pricesOf(raw: Record<string, unknown>, shown: string, fix: string): Prices {
  const prices: Prices = { currency: "USD" };
  for (const [key, value] of Object.entries(raw)) {
    if (key === "currency") {
      if (typeof value !== "string" || !/^[A-Za-z]{3}$/.test(value)) {
        throw new InputError(`${shown}: currency must be a three-letter code such as "USD". ${fix}`);
      }
      prices.currency = value.toUpperCase();
      continue;
    }
    if (!(UNITS as readonly string[]).includes(key)) {
      throw new InputError(`${shown}: unknown unit ${JSON.stringify(clipText(key))}. ${fix}`);
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new InputError(
        `${shown}: ${key} must be a number from 0 up, not ${clipText(JSON.stringify(value) ?? String(value))}. ${fix}`,
      );
    }
    prices[key as Unit] = value;
  }
  if (!UNITS.some((unit) => prices[unit] !== undefined)) {
    throw new InputError(`${shown} prices no unit. ${fix}`);
  }
  return prices;
}

/** The estimated cost of what was used, for the priced units. */
export function costOf(usage: Usage, prices: Prices): Cost {
  const parts: Record<string, number> = {};
  let total = 0;
  for (const unit of UNITS) {
    const price = prices[unit];
    const measure = MEASURE[unit](usage);
    if (price === undefined || measure === 0) continue;
    parts[unit] = measure * price;
    total += measure * price;
  }
  return { currency: prices.currency, total, parts };
}
