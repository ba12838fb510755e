import { type InputKey, RUN_TIME_KEYS, VARIABLE_KEYS } from "../../input/keys.js";
import type { Source, SourceNote, SourceReading } from "../source.js";
import { readSsmFile } from "./file.js";
import { assertParameterName, assertParameterPath } from "./names.js";
import { type RawParameter, snapshotFromParameters } from "./parameters.js";

// SSM, live or from --ssm-file, as one source: which of the two is read, the
// names checked before any call, SecureStrings registered before a value is
// parsed, parameters interpreted one way. The AWS call itself (the only part
// that needs the SDK) is injected: src/aws/ssm.ts, wired in commands/aws-session.ts.

/** Reads Parameter Store; given only to commands that may call AWS. */
export type LiveSsmReader = (request: {
  path?: string;
  names: string[];
  /** The region tfvars.json names: the last resort for the calls' region. */
  tfvarsRegion?: string;
}) => Promise<RawParameter[]>;

export interface SsmOptions {
  ssmPath?: string;
  ssmParam: string[];
  ssmFile?: string;
  /** No AWS call at all (render --dry-run): values only from --ssm-file. */
  offline: boolean;
}

export interface SsmDeps {
  label: (option: string) => string;
  now: () => number;
  readLive?: LiveSsmReader;
  /** The source whose `region` the live read falls back on (tfvars.json), read first. */
  regionFrom: Source;
}

/**
 * Terraform's outputs: `--ssm-file`, else Parameter Store under --ssm-path
 * and --ssm-param (never with --dry-run), else nothing. A bad parameter name
 * is refused here, when the source is built: before any file or call.
 */
export function ssmSource(options: SsmOptions, deps: SsmDeps): Source {
  const live = options.ssmFile === undefined && !options.offline && asked(options);
  if (live) {
    if (options.ssmPath !== undefined) assertParameterPath(options.ssmPath);
    for (const name of options.ssmParam) assertParameterName(name, "--ssm-param");
  }
  return {
    name: "SSM",
    needs: live ? [deps.regionFrom] : [],
    async read({ secrets, readingOf }) {
      const notes: SourceNote[] = [];
      let parameters: RawParameter[] = [];
      let describe = (name: string) => name;
      if (options.ssmFile !== undefined) {
        const file = options.ssmFile;
        if (asked(options)) {
          notes.push({
            level: "warn",
            text: "--ssm-file replaces Parameter Store: --ssm-path and --ssm-param are ignored.",
          });
        }
        parameters = await readSsmFile(file, deps.label("ssmFile"));
        describe = (name) => `${file}#${name}`;
      } else if (options.offline && asked(options)) {
        notes.push({
          level: "warn",
          text: "--dry-run makes no AWS call, so nothing is read from SSM; pass --ssm-file FILE for those values.",
        });
      } else if (live) {
        if (!deps.readLive) throw new Error("this command cannot read SSM");
        const region = readingOf(deps.regionFrom).values.get("region")?.value;
        const started = deps.now();
        parameters = await deps.readLive({
          ...(options.ssmPath !== undefined ? { path: options.ssmPath } : {}),
          names: options.ssmParam,
          ...(typeof region === "string" && region !== "" ? { tfvarsRegion: region } : {}),
        });
        const from = [
          options.ssmPath,
          options.ssmParam.length > 0 ? `${options.ssmParam.length} named` : undefined,
        ];
        notes.push({
          level: "info",
          text: `SSM: ${parameters.length} parameters from ${from.filter(Boolean).join(" and ")} in ${deps.now() - started} ms`,
        });
      }
      // Before parsing: whatever stops the parse (two parameters that disagree), every SecureString is known.
      for (const parameter of parameters) {
        if (parameter.type === "SecureString" && typeof parameter.value === "string")
          secrets.add(parameter.value);
      }
      const snapshot = snapshotFromParameters(parameters, describe);
      return {
        values: snapshot.values,
        control: snapshot.control,
        notes,
        explain: snapshot.unused.map(
          ({ key, origin }) => `not sent: ${key} from SSM ${origin} is not an input key`,
        ),
      } satisfies SourceReading;
    },
    whereFrom(key: InputKey) {
      // SSM holds Terraform's outputs: not its variables, nor what batchinf works out at run time.
      if (VARIABLE_KEYS.includes(key) || RUN_TIME_KEYS.includes(key)) return undefined;
      if (options.ssmFile !== undefined) return `expected from SSM: add it to --ssm-file ${options.ssmFile}`;
      if (asked(options)) {
        const where = [options.ssmPath, ...options.ssmParam].filter(Boolean).join(", ");
        return `expected from SSM: no parameter named .../${key} was found under ${where}`;
      }
      return "expected from SSM: pass --ssm-path PREFIX (or --ssm-file FILE with --dry-run) to read Terraform's outputs";
    },
  };
}

function asked(options: SsmOptions): boolean {
  return options.ssmPath !== undefined || options.ssmParam.length > 0;
}
