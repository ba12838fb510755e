// The thin entry: wire the process to runProgram and map errors to exit codes.
// Everything else is callable from tests without a process.
import type { SignalSource } from "./commands/context.js";
import { toExit } from "./errors.js";
import { Logger, processIo } from "./io/log.js";
import { runProgram } from "./program.js";

// The SDK warns once per process that Node 20 is past end of life; in a
// Jenkins log that line reads like a failure. engines in package.json says
// what we support.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** Signal handlers are installed only while a command listens, so a plain Ctrl-C still ends `render`. */
const signals: SignalSource = {
  onSignal(handler) {
    const onInt = () => handler("SIGINT");
    const onTerm = () => handler("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    return () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    };
  },
};

const io = processIo();
const verbose =
  process.argv.includes("--verbose") || /^(1|true|yes|on)$/i.test(process.env.BATCHINF_VERBOSE ?? "");
try {
  const { code } = await runProgram(process.argv.slice(2), { io, now: Date.now, signals });
  process.exitCode = code;
} catch (error: unknown) {
  const report = toExit(error, verbose);
  const log = new Logger(io, { color: process.argv.includes("--no-color") ? false : undefined });
  log.error(report.message);
  for (const line of report.details) io.stderr(`  ${line}\n`);
  if (report.stack) io.stderr(`${report.stack}\n`);
  process.exitCode = report.code;
}
