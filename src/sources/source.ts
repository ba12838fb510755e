import type { ControlKey, InputKey } from "../input/keys.js";
import { credentialsInText } from "../secrets/url.js";
import type { Sourced, SourceValues } from "./types.js";

// The one shape every source of values returns, and the one loop that reads
// them (Powertools' BaseProvider: each provider implements its read, the base
// does the rest). The composer iterates readings; it names no source.

/** Where a source registers what must never be printed, as it reads it: the command's Secrets. */
export interface SecretsSink {
  /** A secret value (a SecureString's): masked in free text from now on, unless --show-secrets. */
  add(value: string): void;
  /** A credential (a URL's password or token): masked even with --show-secrets. */
  addCredential(value: string): void;
}

/** A line for the log, said as the source was read. */
export interface SourceNote {
  level: "debug" | "info" | "warn";
  text: string;
}

/** What one source gives: values with provenance (secret ones marked), control values, notes. */
export interface SourceReading {
  /** Input keys (and any other key: the composer keeps input keys only) with where each came from. */
  values: SourceValues;
  /** Keys that steer batchinf and are never sent (state_machine_arn). */
  control?: Partial<Record<ControlKey, Sourced>>;
  /** Lines for the log, in order. */
  notes?: SourceNote[];
  /** Lines --explain adds: what was read and is not sent. */
  explain?: string[];
  /**
   * Keys this source should have given and could not: warned when another
   * source's value is used instead (`<key>: <what> (<why>); using ...`).
   */
  unavailable?: { keys: readonly InputKey[]; what: string; why: string };
}

export interface SourceContext {
  /** Register secret values before they are parsed, so an error quoting one is masked. */
  secrets: SecretsSink;
  /** The reading of a source this one `needs`, already read. */
  readingOf(source: Source): SourceReading;
}

export interface Source {
  /** For messages about the list of sources itself. */
  readonly name: string;
  /**
   * Sources this one reads from, read before it (the live SSM read takes its
   * region from tfvars.json). Every other source is read concurrently.
   */
  readonly needs?: readonly Source[];
  read(context: SourceContext): Promise<SourceReading>;
  /** How this source could have given a key the input lacks; undefined when it never gives that key. */
  whereFrom?(key: InputKey, reading: SourceReading): string | undefined;
}

/**
 * Read every source once, each as soon as the sources it needs are read; the
 * readings come back in the list's order (the precedence). Whatever a source
 * returns passes the secrets sink: every secret value, and the credentials
 * of any URL in any value, are masked from here on, whichever source gave
 * them (a source registers a value it must parse before it parses it).
 */
export function readSources(sources: readonly Source[], secrets: SecretsSink): Promise<SourceReading[]> {
  const started = new Map<Source, Promise<SourceReading>>();
  const done = new Map<Source, SourceReading>();
  const start = (source: Source, chain: readonly Source[]): Promise<SourceReading> => {
    if (chain.includes(source)) {
      const names = [...chain, source].map((each) => each.name).join(" -> ");
      return Promise.reject(new Error(`sources need each other: ${names}`));
    }
    let reading = started.get(source);
    if (!reading) {
      reading = (async () => {
        const needs = source.needs ?? [];
        await Promise.all(needs.map((needed) => start(needed, [...chain, source])));
        const read = await source.read({
          secrets,
          readingOf: (needed) => {
            const found = needs.includes(needed) ? done.get(needed) : undefined;
            if (!found) throw new Error(`source ${source.name} reads ${needed.name} without needing it`);
            return found;
          },
        });
        registerSecrets(read, secrets);
        done.set(source, read);
        return read;
      })();
      started.set(source, reading);
    }
    return reading;
  };
  return Promise.all(sources.map((source) => start(source, [])));
}

function registerSecrets(reading: SourceReading, secrets: SecretsSink): void {
  const values: Sourced[] = [...reading.values.values(), ...Object.values(reading.control ?? {})];
  for (const sourced of values) {
    if (typeof sourced.value !== "string") continue;
    if (sourced.secret) secrets.add(sourced.value);
    for (const credential of credentialsInText(sourced.value)) secrets.addCredential(credential);
  }
}
