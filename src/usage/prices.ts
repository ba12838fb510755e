import { InputError } from "../errors.js";
import { clipText } from "../io/one-line.js";
import { readJsonObjectFile } from "../sources/json-file.js";
import { type Cost, STATE_TRANSITION, type Usage } from "./usage.js";

/** Unit prices of --prices FILE: unit (as the kinds name it: "glueDpuHour") -> price, and the currency they are in. */
export interface Prices {
  currency: string;
  perUnit: Record<string, number>;
}

/**
 * Read --prices FILE: a JSON object of unit prices and an optional
 * `currency` (default USD). `units` are the units the task kinds measure in
 * (their price keys); `stateTransition` is always known. An unknown key is
 * refused (a typo would price a unit at nothing), and so is a price that is
 * not a number >= 0.
 */
export async function readPrices(file: string, units: readonly string[], name = "--prices"): Promise<Prices> {
  const known = knownUnits(units);
  const raw = await readJsonObjectFile(file, { name, holds: "unit prices", fix: fixOf(known) });
  return pricesOf(raw, `${name} ${clipText(file)}`, known);
}

function knownUnits(units: readonly string[]): string[] {
  return [...units, STATE_TRANSITION];
}

function fixOf(known: readonly string[]): string {
  return `Give a JSON object of unit prices: ${known.join(", ")} (numbers), and currency (text).`;
}

export function pricesOf(raw: Record<string, unknown>, shown: string, units: readonly string[]): Prices {
  const known = units.includes(STATE_TRANSITION) ? [...units] : knownUnits(units);
  const fix = fixOf(known);
  const prices: Prices = { currency: "USD", perUnit: {} };
  for (const [key, value] of Object.entries(raw)) {
    if (key === "currency") {
      if (typeof value !== "string" || !/^[A-Za-z]{3}$/.test(value)) {
        throw new InputError(`${shown}: currency must be a three-letter code such as "USD". ${fix}`);
      }
      prices.currency = value.toUpperCase();
      continue;
    }
    if (!known.includes(key)) {
      throw new InputError(`${shown}: unknown unit ${JSON.stringify(clipText(key))}. ${fix}`);
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new InputError(
        `${shown}: ${key} must be a number from 0 up, not ${clipText(JSON.stringify(value) ?? String(value))}. ${fix}`,
      );
    }
    prices.perUnit[key] = value;
  }
  if (Object.keys(prices.perUnit).length === 0) {
    throw new InputError(`${shown} prices no unit. ${fix}`);
  }
  return prices;
}

/** The estimated cost of what was used, for the priced units: each meter's units, then state transitions. */
export function costOf(usage: Usage, prices: Prices): Cost {
  const measured: Array<[string, number]> = usage.metered.flatMap(({ meter, quantities }) =>
    meter.units.map((unit): [string, number] => [unit.price, quantities[unit.price] ?? 0]),
  );
  measured.push([STATE_TRANSITION, usage.stateTransitions]);
  const parts: Record<string, number> = {};
  let total = 0;
  for (const [unit, measure] of measured) {
    const price = prices.perUnit[unit];
    if (price === undefined || measure === 0) continue;
    parts[unit] = (parts[unit] ?? 0) + measure * price;
    total += measure * price;
  }
  return { currency: prices.currency, total, parts };
}
