import { isRegionName } from "./aws/arn.js";
import { parseDuration } from "./duration.js";
import { InputError } from "./errors.js";
import { optionValue } from "./io/one-line.js";

/**
 * Every option, declared once: flag, environment variable, default, parser,
 * help and the commands that take it. The commander wiring, `--help`, the
 * README's option table and the BATCHINF_* variables all come from here, so
 * they cannot drift apart.
 */
export type CommandName =
  | "render"
  | "validate"
  | "run"
  | "wait"
  | "schema"
  | "backfill"
  | "stop"
  | "preflight";

export interface OptionSpec {
  /** Commander flags, e.g. "--ssm-path <prefix>". */
  flags: string;
  /** camelCase key in the parsed options. */
  name: string;
  help: string;
  commands: readonly CommandName[] | "all";
  default?: unknown;
  /** Shown in help instead of the raw default. */
  defaultText?: string;
  choices?: readonly string[];
  repeatable?: boolean;
  /** Turn the raw string (flag or env) into the option's value. */
  parse?: (raw: string, flag: string) => unknown;
  /**
   * A file the commands that follow an execution read or write: all of them
   * are checked against each other before anything runs, so an output can
   * never overwrite an input (src/io/output-paths.ts). Every `<file>`
   * option says which (a test checks it).
   */
  file?: "read" | "written";
}

const INPUT = ["render", "run", "backfill", "preflight"] as const;
const AWS = ["render", "run", "wait", "backfill", "stop", "preflight"] as const;
const WAITING = ["run", "wait", "backfill"] as const;
const STARTING = ["run", "backfill"] as const;
/** run's sources and state machine, without starting anything. */
const MACHINE = [...STARTING, "preflight"] as const;
/** Commands that write reports (result file, JUnit, HTML). */
const REPORTING = [...WAITING, "preflight"] as const;

export const OPTIONS = [
  {
    flags: "--tfvars <file>",
    name: "tfvars",
    file: "read",
    help: "Terraform variables file (region, use_case_name)",
    commands: INPUT,
    default: "./tfvars.json",
  },
  {
    flags: "--ssm-path <prefix>",
    name: "ssmPath",
    help: "read every SSM parameter under this path, recursively",
    commands: INPUT,
  },
  {
    flags: "--ssm-param <name>",
    name: "ssmParam",
    help: "read this SSM parameter too (repeatable)",
    commands: INPUT,
    repeatable: true,
    default: [],
  },
  {
    flags: "--ssm-file <file>",
    name: "ssmFile",
    file: "read",
    help: "JSON object of key -> value that replaces SSM (no AWS call)",
    commands: INPUT,
  },
  {
    flags: "--repo-dir <dir>",
    name: "repoDir",
    help: "git checkout whose origin gives `repository`",
    commands: INPUT,
    default: ".",
  },
  {
    flags: "--date <YYYY-MM-DD>",
    name: "date",
    help: "execution date (reruns); default today in --timezone",
    commands: ["render", "run", "preflight"],
  },
  {
    flags: "--timezone <zone>",
    name: "timezone",
    help: "IANA time zone of 'today'",
    commands: INPUT,
    default: "UTC",
  },
  {
    flags: "--set <key=value>",
    name: "set",
    help: "override one input key, above every source (repeatable)",
    commands: INPUT,
    repeatable: true,
    default: [],
  },
  {
    flags: "--explain",
    name: "explain",
    help: "print each key's value, source and what it overrode (stderr)",
    commands: INPUT,
    default: false,
  },
  {
    flags: "--show-secrets",
    name: "showSecrets",
    help: "print SecureString values instead of ****",
    commands: ["render", "run", "wait", "backfill", "preflight"],
    default: false,
  },
  {
    flags: "--dry-run",
    name: "dryRun",
    help: "render: no AWS call at all; run, backfill: everything but StartExecution",
    commands: ["render", "run", "backfill"],
    default: false,
  },
  {
    flags: "--output <format>",
    name: "output",
    help: "stdout format: text, or json ({input, provenance, warnings} for render; the result for run/wait/backfill/stop/preflight)",
    commands: ["render", "run", "wait", "backfill", "stop", "preflight"],
    default: "text",
    choices: ["text", "json"],
  },
  {
    flags: "--region <region>",
    name: "region",
    help: "AWS Region for API calls (else the AWS chain; run, backfill and preflight then take the tfvars region; wait and stop take the execution ARN's)",
    commands: AWS,
    parse: parseRegion,
  },
  { flags: "--profile <name>", name: "profile", help: "AWS shared-config profile", commands: AWS },
  {
    flags: "--assume-role <arn>",
    name: "assumeRole",
    help: "assume this IAM role with the AWS chain's credentials, renewing the session before it expires (waits longer than a role session)",
    commands: AWS,
    parse: parseRoleArn,
  },
  {
    flags: "--request-timeout <duration>",
    name: "requestTimeout",
    help: "longest wait for one AWS call's answer (each attempt; retried like a 5xx), 1s to 5m",
    commands: AWS,
    default: 30_000,
    defaultText: "30s",
    parse: durationWithin(1_000, 300_000),
  },
  {
    flags: "--format <format>",
    name: "format",
    help: "report format: text, json or junit (JUnit XML for Jenkins' junit step)",
    commands: ["validate"],
    default: "text",
    choices: ["text", "json", "junit"],
  },
  {
    flags: "--state-machine-arn <arn>",
    name: "stateMachineArn",
    help: "state machine to start (a version or alias ARN too); else SSM key state_machine_arn",
    commands: MACHINE,
  },
  {
    flags: "--execution-name <name>",
    name: "executionName",
    help: "execution name; default <use_case_name>-<YYYYMMDD>-<$BUILD_TAG or UTC time>",
    commands: ["run"],
  },
  {
    flags: "--redrive",
    name: "redrive",
    help: "redrive a failed execution of the same name instead of failing",
    commands: STARTING,
    default: false,
  },
  {
    flags: "--no-wait",
    name: "wait",
    help: "start, print the execution, exit 0 without waiting",
    commands: ["run"],
    default: true,
  },
  {
    flags: "--poll-interval <duration>",
    name: "pollInterval",
    help: "shortest interval between polls",
    commands: WAITING,
    default: 2_000,
    defaultText: "2s",
    parse: parseDuration,
  },
  {
    flags: "--max-poll-interval <duration>",
    name: "maxPollInterval",
    help: "longest interval between polls",
    commands: WAITING,
    default: 20_000,
    defaultText: "20s",
    parse: parseDuration,
  },
  {
    flags: "--timeout <duration>",
    name: "timeout",
    help: "stop waiting after this long (exit 4); the execution keeps running",
    commands: WAITING,
    parse: parseDuration,
  },
  {
    flags: "--stop-on-timeout",
    name: "stopOnTimeout",
    help: "with --timeout: stop the execution too",
    commands: WAITING,
    default: false,
  },
  {
    flags: "--on-abort <action>",
    name: "onAbort",
    help: "on SIGINT/SIGTERM: stop the execution, or detach and leave it running",
    commands: WAITING,
    default: "stop",
    choices: ["stop", "detach"],
  },
  {
    flags: "--result-file <file>",
    name: "resultFile",
    file: "written",
    help: "write the result JSON here in every ending (stop: read the execution ARN from it)",
    commands: [...REPORTING, "stop"],
  },
  {
    flags: "--abort-timeout <duration>",
    name: "abortTimeout",
    help: "on SIGINT/SIGTERM: time for the stop, its confirmation and the reports (fits Jenkins' soft kill)",
    commands: [...WAITING, "stop"],
    default: 4_000,
    defaultText: "4s",
    parse: parseDuration,
  },
  {
    flags: "--log-lines <n>",
    name: "logLines",
    help: "on a failed task: the last N lines of its CloudWatch log (0: none, no logs call)",
    commands: WAITING,
    default: 50,
    defaultText: "50",
    parse: countParser(0, 10_000),
  },
  {
    flags: "--follow-logs",
    name: "followLogs",
    help: "copy a running task's new log lines into the build log (at most 1 logs call/s)",
    commands: WAITING,
    default: false,
  },
  {
    flags: "--junit <file>",
    name: "junit",
    file: "written",
    help: "write the run as JUnit XML (a testsuite per execution, a testcase per state; preflight: per check)",
    commands: REPORTING,
  },
  {
    flags: "--report-html <file>",
    name: "reportHtml",
    file: "written",
    help: "write a self-contained HTML page with a timeline of the states",
    commands: REPORTING,
  },
  {
    flags: "--preflight <mode>",
    name: "preflight",
    help: "before the first start, check every resource the execution needs: strict (a failed check: exit 3, nothing started), warn (start anyway), off (no check)",
    commands: STARTING,
    default: "strict",
    choices: ["strict", "warn", "off"],
  },
  {
    flags: "--history <n>",
    name: "history",
    help: "read the last N successful runs (in the background) for each state's median and the expected end (0: off)",
    commands: WAITING,
    default: 10,
    defaultText: "10",
    parse: countParser(0, 1000),
  },
  {
    flags: "--stuck-after <duration>",
    name: "stuckAfter",
    help: "warn when a task still waits for capacity (RUNNABLE, WAITING, STARTING) this long, and again each time as long passes",
    commands: WAITING,
    default: 15 * 60_000,
    defaultText: "15m",
    parse: parseDuration,
  },
  {
    flags: "--on-stuck <action>",
    name: "onStuck",
    help: "what a stuck task does: warn, or stop the execution (exit 1, the reason in the result)",
    commands: WAITING,
    default: "warn",
    choices: ["warn", "stop"],
  },
  {
    flags: "--prices <file>",
    name: "prices",
    file: "read",
    help: "JSON object of unit prices (glueDpuHour, batchVcpuHour, batchGibHour, stateTransition, currency): adds an estimated cost to the usage",
    commands: WAITING,
  },
  {
    flags: "--from <YYYY-MM-DD>",
    name: "from",
    help: "first date of the range (with --to)",
    commands: ["backfill"],
  },
  {
    flags: "--to <YYYY-MM-DD>",
    name: "to",
    help: "last date of the range, included",
    commands: ["backfill"],
  },
  {
    flags: "--dates <list>",
    name: "dates",
    help: "comma-separated dates instead of --from/--to",
    commands: ["backfill"],
  },
  {
    flags: "--concurrency <n>",
    name: "concurrency",
    help: "at most this many executions RUNNING at once, attached ones included",
    commands: ["backfill"],
    default: 2,
    defaultText: "2",
    parse: countParser(1, 100),
  },
  {
    flags: "--max-api-rate <n>",
    name: "maxApiRate",
    help: "Step Functions calls per second: backfill's executions together; run and wait: the --history read",
    commands: WAITING,
    default: 5,
    defaultText: "5",
    parse: countParser(1, 100),
  },
  {
    flags: "--fail-fast",
    name: "failFast",
    help: "start no new date after the first failure",
    commands: ["backfill"],
    default: false,
  },
  {
    flags: "--no-color",
    name: "color",
    help: "no colour, even on a terminal",
    commands: "all",
    default: true,
  },
  {
    flags: "--log-format <format>",
    name: "logFormat",
    help: "log format on stderr: text, or json lines for machines",
    commands: "all",
    default: "text",
    choices: ["text", "json"],
  },
  {
    flags: "--verbose",
    name: "verbose",
    help: "debug lines, and stack traces on errors",
    commands: "all",
    default: false,
  },
] as const satisfies readonly OptionSpec[];

type Spec = (typeof OPTIONS)[number];

/** The value an option's parser (or commander) produces. */
type ValueOf<S> = S extends { parse: (raw: string, flag: string) => infer R }
  ? R
  : S extends { repeatable: true }
    ? string[]
    : S extends { choices: readonly (infer C)[] }
      ? C
      : S extends { flags: `${string}<${string}` }
        ? string
        : boolean;

type TakenBy<S, C extends CommandName> = S extends { commands: "all" }
  ? true
  : S extends { commands: readonly (infer X)[] }
    ? C extends X
      ? true
      : false
    : false;

type WithDefault<S, C extends CommandName> = S extends Spec
  ? TakenBy<S, C> extends true
    ? S extends { default: unknown }
      ? S
      : never
    : never
  : never;
type WithoutDefault<S, C extends CommandName> = S extends Spec
  ? TakenBy<S, C> extends true
    ? S extends { default: unknown }
      ? never
      : S
    : never
  : never;

/**
 * The parsed options of one command, inferred from OPTIONS: renaming a flag,
 * changing its parser or the commands that take it changes this type, so a
 * command reading a wrong name or type fails `tsc`.
 */
export type OptionsOf<C extends CommandName> = {
  -readonly [S in WithDefault<Spec, C> as S["name"]]: ValueOf<S>;
} & {
  -readonly [S in WithoutDefault<Spec, C> as S["name"]]?: ValueOf<S>;
};

/** A duration within bounds, for a flag whose range is narrower than every duration's. */
function durationWithin(min: number, max: number): (raw: string, flag: string) => number {
  return (raw, flag) => {
    const ms = parseDuration(raw, flag);
    if (ms < min || ms > max) {
      throw new InputError(
        `${optionValue(flag, raw)} is out of range; use from ${whole(min)} to ${whole(max)}.`,
      );
    }
    return ms;
  };
}

/** 1000 -> "1s", 300000 -> "5m": a bound as a flag would be written. */
function whole(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`;
}

/** Whole numbers within bounds, for counts and rates. */
function countParser(min: number, max: number): (raw: string, flag: string) => number {
  return (raw, flag) => {
    const text = raw.trim();
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InputError(`${flag} '${raw}' is not a whole number from ${min} to ${max}.`);
    }
    return value;
  };
}

/** A Region code, refused here (usage, exit 2) rather than by the SDK as a host name later. */
function parseRegion(raw: string, flag: string): string {
  const text = raw.trim();
  if (!isRegionName(text)) {
    throw new InputError(
      `${optionValue(flag, raw)} is not an AWS Region code; pass one such as ap-south-1 or us-gov-west-1.`,
    );
  }
  return text;
}

/** An IAM role ARN, refused here (usage, exit 2) rather than by STS later. */
function parseRoleArn(raw: string, flag: string): string {
  const text = raw.trim();
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/.test(text)) {
    throw new InputError(
      `${optionValue(flag, raw)} is not an IAM role ARN; pass one such as arn:aws:iam::123456789012:role/batchinf.`,
    );
  }
  return text;
}

/** `--ssm-path <prefix>` -> `BATCHINF_SSM_PATH`; `--no-wait` -> `BATCHINF_NO_WAIT`. */
export function envName(spec: OptionSpec): string {
  return `BATCHINF_${longFlag(spec).replace(/^--/, "").replaceAll("-", "_").toUpperCase()}`;
}

/**
 * How a message names an option when no one said where its value came from:
 * its long flag (`pollInterval` -> `--poll-interval`, `wait` -> `--no-wait`).
 * CommandContext.optionLabel knows more (the BATCHINF_* variable it came from).
 */
export function flagOf(option: string): string {
  const spec = (OPTIONS as readonly OptionSpec[]).find((candidate) => candidate.name === option);
  return spec ? longFlag(spec) : `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The BATCHINF_* variable of an option, by its name (`resultFile` -> `BATCHINF_RESULT_FILE`). */
export function envNameOf(option: string): string {
  const spec = (OPTIONS as readonly OptionSpec[]).find((candidate) => candidate.name === option);
  if (!spec) throw new Error(`no option named ${option}`);
  return envName(spec);
}

export function longFlag(spec: OptionSpec): string {
  return spec.flags.split(/[ ,]/)[0] ?? spec.flags;
}

export function isNegated(spec: OptionSpec): boolean {
  return longFlag(spec).startsWith("--no-");
}

export function isBoolean(spec: OptionSpec): boolean {
  return !spec.flags.includes("<");
}

export function optionsFor(command: CommandName): OptionSpec[] {
  return (OPTIONS as readonly OptionSpec[]).filter(
    (spec) => spec.commands === "all" || spec.commands.includes(command),
  );
}

/** The README's option table, generated so it matches `--help`. */
export function optionsMarkdownTable(): string {
  const rows = (OPTIONS as readonly OptionSpec[]).map((spec) => {
    const commands = spec.commands === "all" ? "all" : spec.commands.join(", ");
    const fallback =
      spec.defaultText ??
      (spec.default === undefined || isBoolean(spec) || Array.isArray(spec.default)
        ? ""
        : String(spec.default));
    return `| \`${spec.flags}\` | \`${envName(spec)}\` | ${commands} | ${fallback ? `\`${fallback}\`` : ""} | ${spec.help.replaceAll("|", "\\|")} |`;
  });
  return [
    "| flag | environment variable | commands | default | what it does |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
