/** The preflight half (its SDK clients and checks), loaded on first use (see ./aws.ts and scripts/build.mjs). */
export type PreflightModule = typeof import("./aws.js");

let loading: Promise<PreflightModule> | undefined;

export function loadPreflight(): Promise<PreflightModule> {
  loading ??= import("./aws.js");
  return loading;
}

/** Run a plan's checks, loading the preflight half (its SDK clients) first. */
export async function runPreflightLoaded(
  ...args: Parameters<PreflightModule["runPreflight"]>
): ReturnType<PreflightModule["runPreflight"]> {
  return (await loadPreflight()).runPreflight(...args);
}
