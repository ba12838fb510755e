// Replaced at bundle time by the package version (scripts/build.mjs); the
// fallback keeps `tsx src/cli.ts` working in development.
declare const __BATCHINF_VERSION__: string | undefined;
export const VERSION: string = typeof __BATCHINF_VERSION__ === "string" ? __BATCHINF_VERSION__ : "0.0.0-dev";
