import { spawn } from "node:child_process";
import { toExit } from "../../src/errors.js";
import { Logger } from "../../src/io/log.js";
import { type ProgramDeps, runProgram } from "../../src/program.js";
import { type CaptureOptions, captureContext } from "./capture.js";
import { BIN } from "./seed.js";

export interface CliResult {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** In-process runs only: each write to stderr (one per log record). */
  stderrWrites?: readonly string[];
}

/** A clean environment: only what a Jenkins agent would surely have, plus the test's own. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    // Never let the SDK's credential chain reach for an instance metadata service.
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

/** Spawn the built binary, as Jenkins does. */
export function runCli(
  args: string[],
  options: {
    cwd?: string;
    env?: Record<string, string | undefined>;
    onSpawn?: (pid: number) => void;
    timeoutMs?: number;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 25_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Run the program in-process with captured streams; errors reported as cli.ts reports them. */
export async function runInProcess(
  args: string[],
  capture: CaptureOptions & {
    sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
    aws?: ProgramDeps["aws"];
  } = {},
): Promise<CliResult> {
  const captured = captureContext(capture);
  let ended: { error: unknown; log?: Logger } | undefined;
  let code: number;
  try {
    const result = await runProgram(args, {
      io: captured.io,
      now: captured.ctx.now,
      ...(capture.sleep ? { sleep: capture.sleep } : {}),
      ...(capture.signals ? { signals: capture.signals } : {}),
      ...(capture.aws ? { aws: capture.aws } : {}),
    });
    code = result.code;
    if (result.error !== undefined)
      ended = { error: result.error, ...(result.log ? { log: result.log } : {}) };
  } catch (error: unknown) {
    code = toExit(error).code;
    ended = { error };
  }
  if (ended) {
    const report = toExit(ended.error);
    const format =
      args.includes("--log-format") && args[args.indexOf("--log-format") + 1] === "json" ? "json" : "text";
    (ended.log ?? new Logger(captured.io, { format })).exitReport(report);
    code = report.code;
  }
  return {
    code,
    stdout: captured.stdout(),
    stderr: captured.stderr(),
    stderrWrites: captured.stderrWrites(),
  };
}
