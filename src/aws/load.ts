/** The AWS half of batchinf, loaded on first use (see ./index.ts and scripts/build.mjs). */
export type AwsModule = typeof import("./index.js");

let loading: Promise<AwsModule> | undefined;

export function loadAws(): Promise<AwsModule> {
  loading ??= import("./index.js");
  return loading;
}
