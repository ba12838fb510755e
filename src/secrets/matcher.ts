import { type Reading, readingsAt, startsEncoding, wellFormed } from "./readings.js";

/** A secret spelled up to `index` from `start`, waiting for the text at some position. */
interface Partial {
  secret: number;
  index: number;
  start: number;
}

/** A span of text [start, end) that spells a secret. */
export type Span = [start: number, end: number];

/**
 * Finds every secret in text however each of its characters is written:
 * literally or in any encoding `readingsAt` knows, in any mix. It is an
 * automaton run once over the text for all secrets together: at each
 * position the partial matches waiting there advance by every reading of
 * the text at that position; partial matches at the same position and
 * secret index are merged (keeping the earliest start). Work is bounded by
 * text length x secret length x readings per position, whatever the text:
 * no input makes it backtrack (a backtracking regular expression with
 * alternatives of different lengths per character, such as `\` versus
 * `\\`, is exponential on a long run of backslashes).
 *
 * Literal stretches, which are nearly all text, take a tight loop: a
 * partial match is queued only at a position where an encoding can start,
 * or where an encoding read before it ends.
 */
export class SecretMatcher {
  private readonly secrets: readonly string[];
  /** Secrets by their first UTF-16 unit. */
  private readonly byFirstUnit = new Map<number, number[]>();
  /** 1 where the scan must stop: a secret's first unit, or the start of an encoding. */
  private readonly stops = new Uint8Array(0x10000);
  /** The same stops as a character class: between partial matches the scan jumps from one to the next. */
  private readonly nextStop: RegExp;

  constructor(secrets: Iterable<string>) {
    this.secrets = [...secrets].map(wellFormed);
    this.secrets.forEach((secret, id) => {
      const first = secret.charCodeAt(0);
      const list = this.byFirstUnit.get(first);
      if (list) list.push(id);
      else this.byFirstUnit.set(first, [id]);
      this.stops[first] = 1;
    });
    for (const code of [0x25, 0x26, 0x5c, 0x2b]) this.stops[code] = 1;
    const codes = [...this.stops.keys()].filter((code) => this.stops[code] === 1);
    this.nextStop = new RegExp(
      `[${codes.map((code) => `\\u${code.toString(16).padStart(4, "0")}`).join("")}]`,
      "g",
    );
  }

  /** Every occurrence of every secret, unsorted; occurrences may overlap. */
  spans(original: string): Span[] {
    const scan = new Scan(wellFormed(original), this.secrets);
    const { text, pending } = scan;
    for (let at = 0; at < text.length; at++) {
      if (pending.size === 0) {
        // Nothing waits: jump to the next character where something can start (the regex engine's loop).
        this.nextStop.lastIndex = at;
        const stop = this.nextStop.exec(text);
        if (stop === null) break;
        at = stop.index;
      }
      const code = text.charCodeAt(at);
      const waiting = pending.size > 0 ? pending.get(at) : undefined;
      if (waiting === undefined && this.stops[code] === 0) continue;
      if (waiting) pending.delete(at);
      for (const secret of this.byFirstUnit.get(code) ?? NONE) scan.literal(secret, 0, at, at);
      const partials = waiting ? [...waiting.values()] : NONE_WAITING;
      for (const partial of partials) scan.literal(partial.secret, partial.index, partial.start, at);
      if (!startsEncoding(code)) continue;
      for (const reading of readingsAt(text, at)) {
        for (const secret of this.byFirstUnit.get(reading.chars.charCodeAt(0)) ?? NONE) {
          scan.advance(secret, 0, at, at, reading);
        }
        for (const partial of partials)
          scan.advance(partial.secret, partial.index, partial.start, at, reading);
      }
    }
    return scan.spans;
  }
}

const NONE: readonly number[] = [];
const NONE_WAITING: readonly Partial[] = [];

/** One scan of one text: the spans found and the partial matches waiting. */
class Scan {
  readonly spans: Span[] = [];
  /** Partial matches by the position they wait for, each keyed by secret and index (merged there). */
  readonly pending = new Map<number, Map<number, Partial>>();

  constructor(
    readonly text: string,
    private readonly secrets: readonly string[],
  ) {}

  queue(at: number, secret: number, index: number, start: number): void {
    let waiting = this.pending.get(at);
    if (!waiting) {
      waiting = new Map();
      this.pending.set(at, waiting);
    }
    const key = index * this.secrets.length + secret;
    const same = waiting.get(key);
    if (same) same.start = Math.min(same.start, start);
    else waiting.set(key, { secret, index, start });
  }

  /**
   * Follow the text literally from `at` up to the next character where an
   * encoding may start; the partial match waits there for the main loop,
   * which tries every reading of it once per secret and index.
   */
  literal(secret: number, index: number, start: number, at: number): void {
    const wanted = this.secrets[secret] as string;
    const { text } = this;
    for (let i = index, q = at; ; i++, q++) {
      if (i === wanted.length) {
        this.spans.push([start, q]);
        return;
      }
      if (q >= text.length) return;
      const code = text.charCodeAt(q);
      if (q > at && startsEncoding(code)) {
        this.queue(q, secret, i, start);
        return;
      }
      if (code !== wanted.charCodeAt(i)) return;
    }
  }

  /** Take one encoded reading of the text at `at` if it spells the secret's next characters. */
  advance(secret: number, index: number, start: number, at: number, reading: Reading): void {
    const wanted = this.secrets[secret] as string;
    if (!wanted.startsWith(reading.chars, index)) return;
    const next = index + reading.chars.length;
    const end = at + reading.length;
    if (next === wanted.length) this.spans.push([start, end]);
    else this.queue(end, secret, next, start);
  }
}
