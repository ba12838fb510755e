import { parseDuration } from "./duration.js";

/**
 * Every option, declared once: flag, environment variable, default, parser,
 * help and the commands that take it. The commander wiring, `--help`, the
 * README's option table and the BATCHINF_* variables all come from here, so
 * they cannot drift apart.
 */
export type CommandName = "render" | "validate" | "run" | "wait" | "schema";

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
}

const INPUT: CommandName[] = ["render", "run"];
const AWS: CommandName[] = ["render", "run", "wait"];
const WAITING: CommandName[] = ["run", "wait"];

export const OPTIONS: readonly OptionSpec[] = [
  {
    flags: "--tfvars <file>",
    name: "tfvars",
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
    help: "execution date (reruns, backfills); default today in --timezone",
    commands: INPUT,
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
    commands: ["render", "run", "wait"],
    default: false,
  },
  {
    flags: "--dry-run",
    name: "dryRun",
    help: "render: no AWS call at all; run: everything but StartExecution",
    commands: INPUT,
    default: false,
  },
  {
    flags: "--output <format>",
    name: "output",
    help: "stdout format: text, or json ({input, provenance, warnings} for render; the result for run/wait)",
    commands: ["render", "run", "wait"],
    default: "text",
    choices: ["text", "json"],
  },
  {
    flags: "--region <region>",
    name: "region",
    help: "AWS Region for API calls (else the AWS chain, else tfvars region)",
    commands: AWS,
  },
  { flags: "--profile <name>", name: "profile", help: "AWS shared-config profile", commands: AWS },
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
    help: "state machine to start; else SSM key state_machine_arn",
    commands: ["run"],
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
    commands: ["run"],
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
    help: "first interval between polls",
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
    help: "write the result JSON here in every ending",
    commands: WAITING,
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
];

/** `--ssm-path <prefix>` -> `BATCHINF_SSM_PATH`; `--no-wait` -> `BATCHINF_NO_WAIT`. */
export function envName(spec: OptionSpec): string {
  return `BATCHINF_${longFlag(spec).replace(/^--/, "").replaceAll("-", "_").toUpperCase()}`;
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
  return OPTIONS.filter((spec) => spec.commands === "all" || spec.commands.includes(command));
}

/** The README's option table, generated so it matches `--help`. */
export function optionsMarkdownTable(): string {
  const rows = OPTIONS.map((spec) => {
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
