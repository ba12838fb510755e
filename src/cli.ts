// The thin entry: wire the process to runProgram and map errors to exit codes.
// Everything else is callable from tests without a process.
//
// Only type imports at the top: everything else is imported dynamically,
// which esbuild keeps lazy inside the one-file bundle (wrapped, evaluated on
// first import). `--version` answers before any of it runs, and no command
// pays for evaluating modules it does not use.
import type { SignalSource } from "./commands/context.js";
import { VERSION } from "./version.js";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${VERSION}\n`);
} else {
  void main(argv);
}

async function main(args: string[]): Promise<void> {
  // Node 22+ can cache compiled code between runs (the AWS half is ~700 KB);
  // Node 20 has no such API and simply skips it.
  const { default: nodeModule } = await import("node:module");
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  // The SDK warns once per process that Node 20 is past end of life; in a
  // Jenkins log that line reads like a failure. engines in package.json says
  // what we support.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

  const [{ toExit }, { Logger, processIo, isClosedStreamError }, { runProgram }] = await Promise.all([
    import("./errors.js"),
    import("./io/log.js"),
    import("./program.js"),
  ]);
  const verbose = args.includes("--verbose") || /^(1|true|yes|on)$/i.test(process.env.BATCHINF_VERBOSE ?? "");
  const format = logFormat(args, process.env.BATCHINF_LOG_FORMAT);
  // A reader that went away (`batchinf run 2>&1 | head -3`) is not a reason
  // to abandon the work: nothing more is written to that stream, and the
  // command carries on to its own end, so its result file, reports and exit
  // code are those of what really happened. Ending at the first closed write
  // left a run that had started nothing with exit 0 and a result file saying
  // NOT_STARTED and "started" at once.
  const io = processIo();
  let commandLog: InstanceType<typeof Logger> | undefined;
  const fallbackLog = () =>
    commandLog ??
    new Logger(io, { format, color: args.includes("--no-color") ? false : undefined, argv: args });
  // Whatever escapes the command (a bug, an error thrown in a callback) is
  // one clear line and exit 3, never a stack trace without --verbose.
  const crash = (error: unknown) => {
    // A write to a closed stream that escaped processIo's watch: the stream is gone, the work goes on.
    if (isClosedStreamError(error)) return;
    fallbackLog().exitReport(toExit(error, verbose));
    process.exit(toExit(error).code);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);

  let ended: { error: unknown; log?: InstanceType<typeof Logger> } | undefined;
  try {
    const result = await runProgram(args, { io, now: Date.now, signals });
    commandLog = result.log;
    process.exitCode = result.code;
    if (result.error !== undefined)
      ended = { error: result.error, ...(result.log ? { log: result.log } : {}) };
  } catch (error: unknown) {
    ended = { error };
  }
  if (ended) {
    const report = toExit(ended.error, verbose);
    // The command's log masks every secret it met; a fresh one only for errors before it existed.
    (ended.log ?? fallbackLog()).exitReport(report);
    process.exitCode = report.code;
  }
}

/** The error that ends the process is logged in the format the command's own log used. */
function logFormat(args: string[], fromEnv: string | undefined): "text" | "json" {
  const flag = args.findIndex((arg) => arg === "--log-format" || arg.startsWith("--log-format="));
  const value = flag < 0 ? fromEnv : args[flag]?.includes("=") ? args[flag]?.split("=")[1] : args[flag + 1];
  return value === "json" ? "json" : "text";
}

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
