/** Input files (--tfvars, --ssm-file, validate's payloads) hold at most this many bytes. */
export const MAX_INPUT_FILE_BYTES = 10 * 1024 * 1024;

/** Deeper nesting is refused before any parser (or recursive walk) sees it. */
export const MAX_JSON_DEPTH = 100;

/**
 * How deep the text's arrays and objects nest, counted without parsing (so
 * 3,000 levels cannot exhaust a recursive parser's stack), stopping as soon
 * as `limit` is passed. Brackets inside strings do not count.
 */
export function nestingDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = endOfString(text, i);
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return deepest;
}

/** Index of the quote that closes the string opening at `start` (text.length - 1 when unclosed). */
export function endOfString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote === -1) return text.length - 1;
    // The quote is escaped when an odd number of backslashes precede it.
    let backslashes = 0;
    for (let j = quote - 1; j > start && text.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    i = quote + 1;
  }
}
