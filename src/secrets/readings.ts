import { LONGEST_NAME, NAMED_REFERENCES } from "./html-entities.js";

/**
 * How text can be read at one position when it is not taken literally: the
 * encodings tools produce for one character, read back. A secret is found
 * wherever a chain of readings (literal characters or these) spells it, so
 * any mix of encodings, character by character, is found.
 *
 * Every encoding starts with one of four characters (`%`, `&`, `\`, `+`);
 * at any other character the only reading is the literal one, which the
 * scanner handles without calling this module.
 */
export interface Reading {
  /** The characters the encoding stands for (one or two UTF-16 units). */
  chars: string;
  /** How many text units it takes. */
  length: number;
}

/** Where an encoding can start: percent, character reference, backslash escape, form-encoded space. */
export function startsEncoding(code: number): boolean {
  return code === 0x25 || code === 0x26 || code === 0x5c || code === 0x2b;
}

/**
 * Escaping applied up to this many times (JSON inside JSON inside a log
 * line): 1, 2 or 3 levels put 1, 2-3 or 4-7 backslashes before an escape,
 * and 2, 4 or 8 for a backslash itself. A bound, so a run of backslashes
 * costs a constant per position.
 */
const MAX_ESCAPE_RUN = 7;
const ESCAPED_BACKSLASH = [2, 4, 8];
const LONGEST_RUN = 8;

/** The longest numeric reference read (`&#x` + leading zeros + digits + `;`). */
const MAX_NUMERIC_REFERENCE = 32;

const C_ESCAPES: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  b: "\b",
  f: "\f",
  v: "\v",
  a: "\u0007",
  e: "\u001b",
};

/** Every non-literal reading of the text at `at` (empty when none); lone surrogates read as U+FFFD. */
export function readingsAt(text: string, at: number): Reading[] {
  const readings = encodedReadings(text, at);
  for (const reading of readings) reading.chars = wellFormed(reading.chars);
  return readings;
}

function encodedReadings(text: string, at: number): Reading[] {
  switch (text.charCodeAt(at)) {
    case 0x2b: // `+`: a space in form encoding (application/x-www-form-urlencoded, Python's quote_plus).
      return [{ chars: " ", length: 1 }];
    case 0x25:
      return percentReadings(text, at);
    case 0x26:
      return referenceReadings(text, at);
    case 0x5c:
      return backslashReadings(text, at);
    default:
      return [];
  }
}

const REPLACEMENT = "\ufffd";

/**
 * Four hex digits of a UTF-16 unit at `at` (`\u` and `%u` escapes): a high
 * surrogate followed by an escaped low one (`\ud83d\ude00`) is read as
 * the pair; a lone surrogate as U+FFFD, which is how a UTF-8 writer shows
 * it (and how the matcher holds a secret's lone surrogates). `nextDigits`
 * finds the digits of the following escape, or -1.
 */
function utf16Escape(text: string, at: number, nextDigits: (after: number) => number): Reading[] {
  const unit = hexAt(text, at, 4);
  if (unit < 0) return [];
  if (unit < 0xd800 || unit > 0xdfff) return [{ chars: String.fromCharCode(unit), length: 4 }];
  const lone = { chars: REPLACEMENT, length: 4 };
  if (unit > 0xdbff) return [lone];
  const digits = nextDigits(at + 4);
  const low = digits < 0 ? -1 : hexAt(text, digits, 4);
  if (low < 0xdc00 || low > 0xdfff) return [lone];
  return [lone, { chars: String.fromCharCode(unit, low), length: digits + 4 - at }];
}

function hexAt(text: string, at: number, digits: number): number {
  if (at + digits > text.length) return -1;
  let value = 0;
  for (let i = at; i < at + digits; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Continuation bytes a UTF-8 lead byte announces (-1: not a lead byte of a multi-byte sequence). */
function utf8Continuations(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 1;
  if (lead >= 0xe0 && lead <= 0xef) return 2;
  if (lead >= 0xf0 && lead <= 0xf4) return 3;
  return -1;
}

/**
 * A multi-byte UTF-8 sequence whose bytes are each written by `byteAt`
 * (percent or `\x` escapes) `step` text units apart; the code point, or -1.
 */
function utf8Sequence(lead: number, byteAt: (i: number) => number): number {
  const more = utf8Continuations(lead);
  if (more < 0) return -1;
  let point = lead & (0x3f >> more);
  for (let i = 1; i <= more; i++) {
    const byte = byteAt(i);
    if (byte < 0x80 || byte > 0xbf) return -1;
    point = (point << 6) | (byte & 0x3f);
  }
  const shortest = [0, 0x80, 0x800, 0x10000][more] ?? 0;
  return point >= shortest && point <= 0x10ffff && (point < 0xd800 || point > 0xdfff) ? point : -1;
}

/** `%2F` `%2f` (a byte: ASCII, Latin-1), `%C3%A9` (UTF-8, any case), `%u00E9` (JavaScript's escape()). */
function percentReadings(text: string, at: number): Reading[] {
  const out: Reading[] = [];
  if ((text.charCodeAt(at + 1) | 0x20) === 0x75) {
    const units = utf16Escape(text, at + 2, (next) =>
      text.charCodeAt(next) === 0x25 && (text.charCodeAt(next + 1) | 0x20) === 0x75 ? next + 2 : -1,
    );
    for (const unit of units) out.push({ chars: unit.chars, length: unit.length + 2 });
  }
  const byte = hexAt(text, at + 1, 2);
  if (byte < 0) return out;
  out.push({ chars: String.fromCharCode(byte), length: 3 });
  const point = utf8Sequence(byte, (i) =>
    text.charCodeAt(at + 3 * i) === 0x25 ? hexAt(text, at + 3 * i + 1, 2) : -1,
  );
  if (point >= 0) out.push({ chars: String.fromCodePoint(point), length: 3 * (utf8Continuations(byte) + 1) });
  return out;
}

/** `&#47;` `&#0047;` `&#x2F;` `&#X2f;` (the `;` optional, as HTML parsers read it), `&sol;` `&amp;`. */
function referenceReadings(text: string, at: number): Reading[] {
  if (text.charCodeAt(at + 1) === 0x23) {
    const hex = (text.charCodeAt(at + 2) | 0x20) === 0x78;
    let end = at + (hex ? 3 : 2);
    let point = 0;
    while (end < text.length && end - at < MAX_NUMERIC_REFERENCE) {
      const code = text.charCodeAt(end);
      const digit = hex ? hexDigit(code) : code >= 0x30 && code <= 0x39 ? code - 0x30 : -1;
      if (digit < 0) break;
      point = point * (hex ? 16 : 10) + digit;
      end++;
      if (point > 0x10ffff) return [];
    }
    if (end === at + (hex ? 3 : 2)) return [];
    if (text.charCodeAt(end) === 0x3b) end++;
    // A reference to a surrogate is a parse error that HTML reads as U+FFFD.
    return [
      {
        chars: point >= 0xd800 && point <= 0xdfff ? REPLACEMENT : String.fromCodePoint(point),
        length: end - at,
      },
    ];
  }
  const semicolon = text.indexOf(";", at + 1);
  if (semicolon < 0 || semicolon - at - 1 > LONGEST_NAME) return [];
  const chars = NAMED_REFERENCES.get(text.slice(at + 1, semicolon));
  return chars === undefined ? [] : [{ chars, length: semicolon - at + 1 }];
}

/**
 * A run of backslashes: an escaped backslash (`\\`, and `\\\\` or more for
 * text escaped again), or, when the run ends in an escape, that escape:
 * `\/` `\"` `\'` `\ ` (any punctuation), `\n` `\t`..., `\u002F`, `\u{2F}`,
 * `\U0000002F`, `\x2f` (and UTF-8 bytes `\xc3\xa9`), octal `\057`.
 */
function backslashReadings(text: string, at: number): Reading[] {
  let run = 1;
  while (run <= LONGEST_RUN && text.charCodeAt(at + run) === 0x5c) run++;
  const out: Reading[] = [];
  for (const length of ESCAPED_BACKSLASH) if (length <= run) out.push({ chars: "\\", length });
  if (run > MAX_ESCAPE_RUN) return out;
  const body = at + run;
  for (const reading of escapeBodies(text, body, run)) {
    out.push({ chars: reading.chars, length: run + reading.length });
  }
  return out;
}

function escapeBodies(text: string, at: number, run: number): Reading[] {
  const first = text[at];
  if (first === undefined) return [];
  if (first === "u") {
    if (text[at + 1] === "{") {
      const close = text.indexOf("}", at + 2);
      const point = close > at + 2 && close - at <= 8 ? hexAt(text, at + 2, close - at - 2) : -1;
      return point >= 0 && point <= 0x10ffff
        ? [{ chars: String.fromCodePoint(point), length: close - at + 1 }]
        : [];
    }
    const units = utf16Escape(text, at + 1, (next) => {
      for (let k = 0; k < run; k++) if (text.charCodeAt(next + k) !== 0x5c) return -1;
      return text[next + run] === "u" ? next + run + 1 : -1;
    });
    return units.map((unit) => ({ chars: unit.chars, length: unit.length + 1 }));
  }
  if (first === "U") {
    const point = hexAt(text, at + 1, 8);
    return point >= 0 && point <= 0x10ffff ? [{ chars: String.fromCodePoint(point), length: 9 }] : [];
  }
  if (first === "x") {
    const byte = hexAt(text, at + 1, 2);
    if (byte < 0) return [];
    const out = [{ chars: String.fromCharCode(byte), length: 3 }];
    // Python's bytes repr: one `\xHH` per UTF-8 byte, each behind the same backslashes.
    const step = run + 3;
    const point = utf8Sequence(byte, (i) => {
      const start = at + step * i - run;
      for (let k = 0; k < run; k++) if (text.charCodeAt(start + k) !== 0x5c) return -1;
      return text[start + run] === "x" ? hexAt(text, start + run + 1, 2) : -1;
    });
    if (point >= 0) {
      out.push({ chars: String.fromCodePoint(point), length: 3 + step * utf8Continuations(byte) });
    }
    return out;
  }
  const named = C_ESCAPES[first];
  if (named !== undefined) return [{ chars: named, length: 1 }];
  if (first >= "0" && first <= "7") {
    const out: Reading[] = [];
    let value = 0;
    for (let digits = 1; digits <= 3; digits++) {
      const code = text.charCodeAt(at + digits - 1);
      if (code < 0x30 || code > 0x37) break;
      value = value * 8 + code - 0x30;
      if (value > 0xff) break;
      out.push({ chars: String.fromCharCode(value), length: digits });
    }
    return out;
  }
  if (/[A-Za-z0-9]/.test(first)) return [];
  // Any other character escaped by a backslash stands for itself (a surrogate pair whole).
  const point = text.codePointAt(at) ?? 0;
  const chars = String.fromCodePoint(point);
  return [{ chars, length: chars.length }];
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A lone surrogate as every UTF-8 writer shows it: U+FFFD (stderr, a file,
 * encodeURIComponent's callers, Python's `errors="replace"`). One unit for
 * one, so positions in the text stay the same.
 */
export function wellFormed(text: string): string {
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATE, "\ufffd") : text;
}
