/** The CloudWatch Logs half, loaded on first use (see ./logs.ts and scripts/build.mjs). */
export type LogsModule = typeof import("./logs.js");

let loading: Promise<LogsModule> | undefined;

export function loadLogs(): Promise<LogsModule> {
  loading ??= import("./logs.js");
  return loading;
}
