import { type AnyNode, type DocumentNode, parse as parseJsonAst } from "@humanwhocodes/momoa";

/** A 1-based line and column, as editors and Jenkins' warnings show them. */
export interface Position {
  line: number;
  column: number;
}

export interface DuplicateKey {
  /** JSON pointer of the object holding the key twice. */
  pointer: string;
  key: string;
  at: Position;
  firstAt: Position;
}

/**
 * A parsed JSON file that remembers where each value stood, so a problem with
 * a value can be reported at FILE:LINE:COL, and that notices duplicate keys
 * (JSON.parse silently keeps the last one, which hides a typo'd override).
 */
export interface JsonDocument {
  value: unknown;
  duplicates: DuplicateKey[];
  /** Position of the value at a JSON pointer, or of its nearest ancestor. */
  locate(pointer: string): Position;
  /** Position of the member name at a JSON pointer (for "unknown key" problems). */
  locateKey(pointer: string): Position;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: Position,
  ) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

export function parseJsonDocument(text: string): JsonDocument {
  let ast: DocumentNode;
  try {
    ast = parseJsonAst(stripBom(text), { mode: "json" });
  } catch (error: unknown) {
    throw toSyntaxError(error, text);
  }
  const valueAt = new Map<string, AnyNode>();
  const keyAt = new Map<string, AnyNode>();
  const duplicates: DuplicateKey[] = [];
  index(ast.body, "", valueAt, keyAt, duplicates);
  const start = (node: AnyNode | undefined): Position =>
    node ? { line: node.loc.start.line, column: node.loc.start.column } : { line: 1, column: 1 };
  const nearest = (map: Map<string, AnyNode>, pointer: string): AnyNode | undefined => {
    let current = pointer;
    for (;;) {
      const node = map.get(current) ?? valueAt.get(current);
      if (node || current === "") return node;
      current = current.slice(0, current.lastIndexOf("/"));
    }
  };
  let value: unknown;
  try {
    value = JSON.parse(stripBom(text));
  } catch (error: unknown) {
    // momoa tolerates a raw control character inside a string; JSON does not.
    throw strictSyntaxError(error, stripBom(text));
  }
  return {
    value,
    duplicates,
    locate: (pointer) => start(nearest(valueAt, pointer)),
    locateKey: (pointer) => start(nearest(keyAt, pointer)),
  };
}

function index(
  node: AnyNode,
  pointer: string,
  valueAt: Map<string, AnyNode>,
  keyAt: Map<string, AnyNode>,
  duplicates: DuplicateKey[],
): void {
  valueAt.set(pointer, node);
  if (node.type === "Object") {
    const seen = new Map<string, AnyNode>();
    for (const member of node.members) {
      const key = member.name.type === "String" ? member.name.value : member.name.name;
      const childPointer = `${pointer}/${escapePointer(key)}`;
      const first = seen.get(key);
      if (first) {
        duplicates.push({
          pointer,
          key,
          at: { line: member.name.loc.start.line, column: member.name.loc.start.column },
          firstAt: { line: first.loc.start.line, column: first.loc.start.column },
        });
      } else {
        seen.set(key, member.name);
      }
      // The last occurrence wins, as in JSON.parse, so positions point at the value in force.
      keyAt.set(childPointer, member.name);
      index(member.value, childPointer, valueAt, keyAt, duplicates);
    }
  } else if (node.type === "Array") {
    node.elements.forEach((element, i) => {
      index(element.value, `${pointer}/${i}`, valueAt, keyAt, duplicates);
    });
  }
}

export function escapePointer(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function strictSyntaxError(error: unknown, text: string): JsonSyntaxError {
  const message = error instanceof Error ? error.message : String(error);
  const offset = Number(/position (\d+)/.exec(message)?.[1] ?? 0);
  const before = text.slice(0, offset).split("\n");
  const at = { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
  const control = text.charCodeAt(offset) < 0x20;
  return new JsonSyntaxError(
    control
      ? "invalid JSON: a raw control character inside a string (escape it, e.g. \\n)"
      : `invalid JSON: ${message}`,
    at,
  );
}

/** momoa says "Unexpected token RBrace found. (3:7)"; people read "unexpected '}'". */
function toSyntaxError(error: unknown, text: string): JsonSyntaxError {
  const e = error as { message?: string; line?: number; column?: number };
  const at = { line: e.line ?? 1, column: e.column ?? 1 };
  if (stripBom(text).trim() === "")
    return new JsonSyntaxError("the file is empty; expected a JSON object", at);
  const raw = (e.message ?? String(error)).replace(/\s*\(\d+:\d+\)\s*$/, "");
  const token = /Unexpected token (\w+)/.exec(raw)?.[1];
  const readable = token ? `unexpected ${TOKEN_NAMES[token] ?? token}` : raw.replace(/\.$/, "").toLowerCase();
  return new JsonSyntaxError(`invalid JSON: ${readable}`, at);
}

const TOKEN_NAMES: Record<string, string> = {
  LBrace: "'{'",
  RBrace: "'}' (a trailing comma, or a missing value?)",
  LBracket: "'['",
  RBracket: "']' (a trailing comma?)",
  Colon: "':'",
  Comma: "',' (a missing value?)",
  String: "string (a missing comma?)",
  Number: "number (a missing comma?)",
  Boolean: "boolean (a missing comma?)",
  Null: "null (a missing comma?)",
  EOF: "end of file (an unclosed '{' or '['?)",
};
