/**
 * XML helpers for the reports: the characters XML 1.0 cannot carry, and the
 * one builder configuration the JUnit writer uses.
 */
import { XMLBuilder } from "fast-xml-parser";

/**
 * XML 1.0 forbids most C0 controls, lone surrogates, U+FFFE and U+FFFF even as
 * character references (`&#1;` does not parse either). A log line or a cause
 * can hold any of them; shown as `\uXXXX` the report still parses and a reader
 * still sees that something was there. HTML has the same characters as parse
 * errors or invisible noise, so the HTML page shows them the same way.
 */
const XML_FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function showForbiddenChars(text: string): string {
  return text.replace(XML_FORBIDDEN, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}

/** An element as the builder takes it: `@name` keys are attributes, `#text` the text, arrays repeat the element. */
export type XmlNode = { [key: string]: XmlValue };
export type XmlValue = string | number | XmlNode | XmlNode[] | undefined;

export const ATTR = "@";

/**
 * Build an XML document from a plain object. The builder escapes `& < > " '`
 * in text and attributes; callers pass text that went through
 * `showForbiddenChars` (and the secrets mask) first.
 */
export function buildXml(root: XmlNode): string {
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: ATTR,
    textNodeName: "#text",
    format: true,
    indentBy: "  ",
    suppressEmptyNode: true,
    processEntities: true,
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(root)}`;
}
