import { Command, CommanderError, Option } from "commander";
import {
  type CommandName,
  envName,
  isBoolean,
  isNegated,
  longFlag,
  type OptionSpec,
  type OptionsOf,
  optionsFor,
} from "./cli-options.js";
import type { CommandContext } from "./commands/context.js";
import { assertStopTarget } from "./commands/stop-target.js";
import { ExitCode, InputError, toExit } from "./errors.js";
import { type Io, Logger } from "./io/log.js";
import { Secrets } from "./secrets/secrets.js";
import { urlVariables } from "./secrets/url.js";
import { VERSION } from "./version.js";

export interface ProgramDeps {
  io: Io;
  now: () => number;
  sleep?: CommandContext["sleep"];
  signals?: CommandContext["signals"];
  aws?: CommandContext["aws"];
}

export interface ProgramResult {
  code: number;
  /** The command's log, which masks the secrets it has seen. */
  log?: Logger;
  /** What ended the command, for the caller to report; `code` is already its exit code. */
  error?: unknown;
}

type Handler<C extends CommandName> = (
  args: string[],
  options: OptionsOf<C>,
  ctx: CommandContext,
) => Promise<number>;

/**
 * Commander wiring only: declare the commands from OPTIONS, apply BATCHINF_*
 * variables, build the context, call the command. Returns the exit code; the
 * caller (cli.ts) owns `process.exit`.
 */
export async function runProgram(argv: readonly string[], deps: ProgramDeps): Promise<ProgramResult> {
  let outcome: Promise<ProgramResult> | undefined;
  // Commander's own messages echo arguments (`unknown option '--x=https://u:p@h'`): they pass the boundary too.
  const edge = new Secrets();
  edge.addUrlCredentials([...argv, ...urlVariables(deps.io.env)]);
  const program = new Command("batchinf")
    .description("Compose, validate, start and follow the batch-inference Step Functions execution.")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.io.stdout(text),
      writeErr: (text) => deps.io.stderr(edge.maskText(text)),
    })
    .showSuggestionAfterError(true);

  const add = <C extends CommandName>(
    name: C,
    usage: string,
    description: string,
    handler: Handler<C>,
    args = "",
  ) => {
    const command = program
      .command(`${name}${args ? ` ${args}` : ""}`)
      .summary(description)
      .description(`${description}\n\n${usage}`);
    for (const spec of optionsFor(name)) command.addOption(toCommanderOption(spec));
    command.action((...actionArgs: unknown[]) => {
      const cmd = actionArgs[actionArgs.length - 1] as Command;
      const positional = (cmd.args ?? []).map(String);
      outcome = (async (): Promise<ProgramResult> => {
        let log: Logger | undefined;
        let options: Record<string, unknown>;
        let fromEnv: Set<string>;
        try {
          ({ options, fromEnv } = applyEnvironment(cmd, name, deps.io.env));
        } catch (error: unknown) {
          await usageErrorReports(argv, deps, error);
          return { code: toExit(error).code, error };
        }
        try {
          log = new Logger(deps.io, {
            argv,
            format: options.logFormat as "text" | "json",
            color: options.color === false ? false : undefined,
            verbose: options.verbose === true,
            revealSecrets: options.showSecrets === true,
          });
          const ctx: CommandContext = {
            io: deps.io,
            log,
            now: deps.now,
            optionLabel: (option) => labelOf(name, option, fromEnv),
            ...(deps.sleep ? { sleep: deps.sleep } : {}),
            ...(deps.signals ? { signals: deps.signals } : {}),
            ...(deps.aws ? { aws: deps.aws } : {}),
          };
          // applyEnvironment built `options` from the same table OptionsOf<C> is inferred from.
          return { code: await handler(positional, options as OptionsOf<C>, ctx), log };
        } catch (error: unknown) {
          // The command's own log knows its secrets: the caller reports the error through it.
          return { code: toExit(error).code, error, ...(log ? { log } : {}) };
        }
      })();
    });
  };

  add(
    "render",
    "Prints the input JSON on stdout; the log goes to stderr. --dry-run makes no AWS call (SSM values from --ssm-file).",
    "compose and validate the execution input, print it",
    async (_args, options, ctx) => (await import("./commands/render.js")).renderCommand(options, ctx),
  );
  add(
    "validate",
    "Each problem is printed as FILE:LINE:COL key: message. Exit 0 when every file is valid, 2 otherwise.",
    "validate payload files against the schema",
    async (args, options, ctx) =>
      (await import("./commands/validate.js")).validateCommand(args, options, ctx),
    "<files...>",
  );
  add(
    "run",
    "Composes and validates the input, starts the execution idempotently and follows it to the end.",
    "start the batch-inference execution and wait for it",
    async (_args, options, ctx) => (await import("./commands/run.js")).runCommand(options, ctx),
  );
  add(
    "wait",
    "Attaches to an existing execution and follows it as run does.",
    "wait for an existing execution",
    async (args, options, ctx) =>
      (await import("./commands/wait.js")).waitCommand(args[0] ?? "", options, ctx),
    "<execution-arn>",
  );
  add(
    "backfill",
    "One execution per date (--from/--to or --dates), at most --concurrency RUNNING at once, followed together within --max-api-rate.",
    "run the pipeline for a range of dates",
    async (_args, options, ctx) => (await import("./commands/backfill.js")).backfillCommand(options, ctx),
  );
  add(
    "stop",
    "Stops the execution once, with $BUILD_URL in the cause (the Jenkinsfile's post { aborted } fallback). An execution that already ended is reported, exit 0.",
    "stop an execution (by ARN or from --result-file)",
    async (args, options, ctx) => {
      assertStopTarget(args, options); // Before the command and the SDK load.
      return (await import("./commands/stop.js")).stopCommand(args, options, ctx);
    },
    "[execution-arn]",
  );
  add(
    "preflight",
    "Composes the input as run does and checks, without starting anything, that every resource the execution needs exists and is usable and that the state machine's role may use it. Exit 0 when no check failed, 3 when one did.",
    "check that an execution could succeed, before starting it",
    async (_args, options, ctx) => (await import("./commands/preflight.js")).preflightCommand(options, ctx),
  );
  add(
    "schema",
    "Prints the JSON Schema (2020-12) of the execution input.",
    "print the input JSON Schema",
    async (_args, _options, ctx) => (await import("./commands/schema.js")).schemaCommand(ctx),
  );

  try {
    await program.parseAsync(argv as string[], { from: "user" });
  } catch (error: unknown) {
    const help =
      error instanceof CommanderError && (error.exitCode === 0 || error.code.startsWith("commander.help"));
    if (!help) await usageErrorReports(argv, deps, error);
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      if (
        error.exitCode === 0 ||
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version"
      ) {
        return { code: ExitCode.ok };
      }
      // `batchinf` with no command shows the help on stderr as a usage error (exit 2).
      return { code: ExitCode.invalidInput };
    }
    throw error;
  }
  if (!outcome) {
    program.outputHelp({ error: true });
    return { code: ExitCode.invalidInput };
  }
  return outcome;
}

/** A following command's reports say "invalid input" even when its flags never parsed. */
async function usageErrorReports(argv: readonly string[], deps: ProgramDeps, error: unknown): Promise<void> {
  const { writeUsageErrorReports } = await import("./commands/usage-error-reports.js");
  const secrets = new Secrets();
  secrets.addUrlCredentials([...argv, ...urlVariables(deps.io.env)]);
  await writeUsageErrorReports(argv, deps.io.env, error, { secrets, now: deps.now() });
}

function toCommanderOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, `${spec.help} [env: ${envName(spec)}]`);
  if (spec.choices) option.choices(spec.choices as string[]);
  if (spec.parse) {
    const parse = spec.parse;
    option.argParser((raw: string) => parse(raw, spec.flags.split(" ")[0] ?? spec.flags));
  } else if (spec.repeatable) {
    option.argParser((raw: string, previous: unknown) => [...(Array.isArray(previous) ? previous : []), raw]);
  } else if (spec.file) {
    // An empty path would otherwise read as "no file": `--result-file ''` wrote no result and said nothing.
    const flag = spec.flags.split(" ")[0] ?? spec.flags;
    option.argParser((raw: string) => {
      if (raw.trim() === "")
        throw new InputError(`${flag} is empty; pass a file path, or leave the option out.`);
      return raw;
    });
  }
  if (spec.default !== undefined && !isNegated(spec)) option.default(spec.default, spec.defaultText);
  return option;
}

/**
 * A flag beats its BATCHINF_* variable; the variable beats the default.
 * Repeatable options take a comma- or newline-separated list.
 */
function applyEnvironment(
  cmd: Command,
  command: CommandName,
  env: Io["env"],
): { options: Record<string, unknown>; fromEnv: Set<string> } {
  const options: Record<string, unknown> = { ...cmd.opts() };
  const fromEnv = new Set<string>();
  for (const spec of optionsFor(command)) {
    const fromCli = cmd.getOptionValueSource(spec.name) === "cli";
    const raw = env[envName(spec)];
    if (fromCli || raw === undefined || raw === "") continue;
    fromEnv.add(spec.name);
    const flag = `${envName(spec)} (${spec.flags.split(" ")[0]})`;
    if (isBoolean(spec)) {
      const on = parseBoolean(raw, flag);
      options[spec.name] = isNegated(spec) ? !on : on;
    } else if (spec.repeatable) {
      options[spec.name] = raw
        .split(raw.includes("\n") ? "\n" : ",")
        .map((part) => part.trim())
        .filter(Boolean);
    } else {
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new InputError(`${flag} is '${raw}'; allowed: ${spec.choices.join(", ")}.`);
      }
      options[spec.name] = spec.parse ? spec.parse(raw, flag) : raw;
    }
  }
  return { options, fromEnv };
}

/** How a message names an option: by the variable it came from (`BATCHINF_DATE`), else its flag. */
function labelOf(command: CommandName, option: string, fromEnv: ReadonlySet<string>): string {
  const spec = optionsFor(command).find((candidate) => candidate.name === option);
  if (!spec) return option;
  return fromEnv.has(option) ? envName(spec) : longFlag(spec);
}

function parseBoolean(raw: string, flag: string): boolean {
  const value = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw new InputError(`${flag} is '${raw}'; use true or false.`);
}
