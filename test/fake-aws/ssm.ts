// SSM Parameter Store, as far as batchinf reads it: GetParameter,
// GetParameters, GetParametersByPath. Validation, error codes and paging follow
// the SSM API reference, including the parts clients get wrong: pages that are
// empty yet carry a NextToken, unknown names in GetParameters being a 200, and
// SecureString values coming back encrypted unless WithDecryption is set.

import { createHash } from "node:crypto";
import { unknownOperation } from "./server.js";
import { AwsFault, type AwsService } from "./types.js";

export type SsmParameterType = "String" | "StringList" | "SecureString";

export interface SeedParameter {
  name: string;
  value: string;
  type?: SsmParameterType;
  /** KMS key of a SecureString; `alias/aws/ssm` when omitted, as in AWS. */
  keyId?: string;
  lastModifiedDate?: Date;
}

export interface StoredParameter {
  name: string;
  value: string;
  type: SsmParameterType;
  version: number;
  lastModifiedDate: Date;
  keyId?: string;
}

/**
 * AWS pages GetParametersByPath on a best-effort basis: a page may hold fewer
 * items than MaxResults, even none, and still carry a NextToken. These knobs
 * make that happen deterministically so a client's token loop is exercised.
 */
export interface SsmPagingOptions {
  /** After every N non-empty pages, answer one empty page with a NextToken (0 = never). */
  emptyPageEvery?: number;
  /** Return a NextToken with the last items and answer the next call with an empty, final page. */
  trailingEmptyPage?: boolean;
}

export interface SsmServiceOptions {
  accountId?: string;
  region?: string;
  /** Caller named in AccessDenied messages. */
  principalArn?: string;
  paging?: SsmPagingOptions;
}

const MAX_NAME_LENGTH = 2048;
const MAX_LEVELS = 15;
const MAX_RESULTS = 10;
const NAME_CHARS = /^[A-Za-z0-9_.\-/]+$/;
const ARN_NAME = /^arn:aws[a-z-]*:ssm:([^:]*):([^:]*):parameter(\/.*)$/;

// AWS's own wording, so error handling written against the fake reads the same in production.
const NAME_RULES =
  'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';
const PATH_RULES =
  'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.';
const FILTER_KEYS = ["Type", "KeyId"];

export class SsmService implements AwsService {
  readonly targetPrefix = "AmazonSSM";
  readonly jsonVersion = "1.1";
  readonly accountId: string;
  readonly region: string;
  private readonly principalArn: string;
  private readonly params = new Map<string, StoredParameter>();
  private readonly forbidden: string[] = [];
  private paging: SsmPagingOptions;

  constructor(options: SsmServiceOptions = {}) {
    this.accountId = options.accountId ?? "123456789012";
    this.region = options.region ?? "ap-south-1";
    this.principalArn =
      options.principalArn ?? `arn:aws:sts::${this.accountId}:assumed-role/jenkins/batchinf`;
    this.paging = { ...options.paging };
  }

  /** Seed or overwrite a parameter; overwriting bumps Version as PutParameter --overwrite does. */
  putParameter(seed: SeedParameter): StoredParameter {
    if (!isValidName(seed.name))
      throw new Error(`fake SSM: invalid parameter name ${JSON.stringify(seed.name)}`);
    const type = seed.type ?? "String";
    const stored: StoredParameter = {
      name: seed.name,
      value: seed.value,
      type,
      version: (this.params.get(seed.name)?.version ?? 0) + 1,
      lastModifiedDate: seed.lastModifiedDate ?? new Date(),
      ...(type === "SecureString" ? { keyId: seed.keyId ?? "alias/aws/ssm" } : {}),
    };
    this.params.set(seed.name, stored);
    return stored;
  }

  deleteParameter(name: string): boolean {
    return this.params.delete(name);
  }

  getStored(name: string): StoredParameter | undefined {
    return this.params.get(name);
  }

  /** Deny the caller a parameter name, or every name and path at or below a prefix. */
  forbid(nameOrPrefix: string): void {
    this.forbidden.push(nameOrPrefix.length > 1 ? nameOrPrefix.replace(/\/+$/, "") : nameOrPrefix);
  }

  setPaging(paging: SsmPagingOptions): void {
    this.paging = { ...paging };
  }

  /** The ciphertext a SecureString reads as without WithDecryption; deterministic per name and version. */
  ciphertext(name: string): string {
    const p = this.params.get(name);
    if (!p) throw new Error(`fake SSM: no parameter ${name}`);
    return encrypt(p);
  }

  arn(name: string): string {
    return `arn:aws:ssm:${this.region}:${this.accountId}:parameter${name.startsWith("/") ? name : `/${name}`}`;
  }

  handle(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case "GetParameter":
        return this.getParameter(input);
      case "GetParameters":
        return this.getParameters(input);
      case "GetParametersByPath":
        return this.getParametersByPath(input);
      default:
        throw unknownOperation(this.targetPrefix, operation);
    }
  }

  private getParameter(input: Record<string, unknown>) {
    const given = requireString(input.Name, "name");
    const name = this.resolveName(given);
    if (name !== undefined) this.authorize("GetParameter", [name]);
    const p = name === undefined ? undefined : this.params.get(name);
    if (!p) throw new AwsFault("ParameterNotFound", `Parameter ${given} not found.`);
    return { Parameter: this.render(p, input.WithDecryption === true) };
  }

  private getParameters(input: Record<string, unknown>) {
    const names = requireNames(input.Names);
    const resolved = new Map<string, string | undefined>();
    for (const given of names) resolved.set(given, this.tryResolveName(given));
    this.authorize(
      "GetParameters",
      [...resolved.values()].filter((n) => n !== undefined),
    );
    const found: StoredParameter[] = [];
    const invalid: string[] = [];
    for (const [given, name] of resolved) {
      const p = name === undefined ? undefined : this.params.get(name);
      if (p) found.push(p);
      else invalid.push(given);
    }
    const decrypt = input.WithDecryption === true;
    return { Parameters: found.map((p) => this.render(p, decrypt)), InvalidParameters: invalid };
  }

  private getParametersByPath(input: Record<string, unknown>) {
    const path = normalisePath(requireString(input.Path, "path"));
    const recursive = input.Recursive === true;
    const pageSize = requireMaxResults(input.MaxResults);
    const filters = parseFilters(input.ParameterFilters);
    this.authorize("GetParametersByPath", [path]);
    const cursor =
      input.NextToken === undefined ? { offset: 0, served: 0 } : readToken(input.NextToken, path, recursive);
    const names = this.namesUnder(path, recursive);
    const page = this.pageOf(names.length, cursor, pageSize);
    // Filtering after slicing is what makes real pages short or empty.
    const items = names
      .slice(page.start, page.end)
      .map((n) => this.params.get(n))
      .filter((p): p is StoredParameter => p !== undefined && filters.every((f) => f(p)));
    const decrypt = input.WithDecryption === true;
    return {
      Parameters: items.map((p) => this.render(p, decrypt)),
      ...(page.next ? { NextToken: writeToken(path, recursive, page.next) } : {}),
    };
  }

  private pageOf(
    total: number,
    cursor: Cursor,
    pageSize: number,
  ): { start: number; end: number; next?: Cursor } {
    const served = cursor.served + 1;
    const every = this.paging.emptyPageEvery ?? 0;
    const remaining = cursor.offset < total;
    const emptyTurn = every > 0 && served % (every + 1) === 0;
    if (!remaining || emptyTurn) {
      return { start: 0, end: 0, ...(remaining ? { next: { offset: cursor.offset, served } } : {}) };
    }
    const end = Math.min(cursor.offset + pageSize, total);
    const more = end < total || this.paging.trailingEmptyPage === true;
    return { start: cursor.offset, end, ...(more ? { next: { offset: end, served } } : {}) };
  }

  private namesUnder(path: string, recursive: boolean): string[] {
    const prefix = path === "/" ? "/" : `${path}/`;
    return [...this.params.keys()].sort().filter((name) => {
      const rooted = name.startsWith("/") ? name : `/${name}`;
      if (!rooted.startsWith(prefix)) return false;
      const rest = rooted.slice(prefix.length);
      return rest !== "" && (recursive || !rest.includes("/"));
    });
  }

  private render(p: StoredParameter, decrypt: boolean) {
    return {
      Name: p.name,
      Type: p.type,
      Value: p.type === "SecureString" && !decrypt ? encrypt(p) : p.value,
      Version: p.version,
      LastModifiedDate: p.lastModifiedDate.getTime() / 1000,
      ARN: this.arn(p.name),
      DataType: "text",
    };
  }

  /**
   * Accept a name or its ARN, as SSM does. Undefined means no such parameter can
   * exist here (an ARN of another account or region), which reads as not found.
   */
  private resolveName(given: string): string | undefined {
    const arn = ARN_NAME.exec(given);
    if (!arn) {
      if (!isValidName(given)) throw new AwsFault("ValidationException", NAME_RULES);
      return given;
    }
    const [, region, account, rooted = ""] = arn;
    if (region !== this.region || account !== this.accountId) return undefined;
    // The ARN of `name` and of `/name` are the same; prefer whichever exists.
    return this.params.has(rooted) ? rooted : rooted.slice(1);
  }

  /** GetParameters reports malformed names in InvalidParameters instead of failing the call. */
  private tryResolveName(given: string): string | undefined {
    try {
      return this.resolveName(given);
    } catch {
      return undefined;
    }
  }

  private authorize(operation: string, names: string[]): void {
    const denied = names.find((name) => this.isForbidden(name));
    if (denied === undefined) return;
    const action = `ssm:${operation}`;
    throw new AwsFault(
      "AccessDeniedException",
      `User: ${this.principalArn} is not authorized to perform: ${action} on resource: ${this.arn(denied)} because no identity-based policy allows the ${action} action`,
    );
  }

  private isForbidden(name: string): boolean {
    return this.forbidden.some((f) => name === f || name.startsWith(f.endsWith("/") ? f : `${f}/`));
  }
}

export function createSsmService(options?: SsmServiceOptions): SsmService {
  return new SsmService(options);
}

function validationError(violation: string): AwsFault {
  return new AwsFault("ValidationException", `1 validation error detected: ${violation}`);
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== "string")
    throw validationError(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  if (value.length < 1) {
    throw validationError(
      `Value '' at '${field}' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    );
  }
  if (value.length > MAX_NAME_LENGTH) {
    throw validationError(
      `Value '${value}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_NAME_LENGTH}`,
    );
  }
  return value;
}

function requireNames(value: unknown): string[] {
  if (!Array.isArray(value))
    throw validationError("Value null at 'names' failed to satisfy constraint: Member must not be null");
  const names = value.filter((n): n is string => typeof n === "string");
  const shown = `[${names.join(", ")}]`;
  if (names.length < 1) {
    throw validationError(
      `Value '${shown}' at 'names' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    );
  }
  if (names.length > MAX_RESULTS) {
    throw validationError(
      `Value '${shown}' at 'names' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RESULTS}`,
    );
  }
  return names;
}

function requireMaxResults(value: unknown): number {
  if (value === undefined) return MAX_RESULTS;
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new AwsFault("SerializationException", "NUMBER_VALUE can not be converted to an Integer");
  if (n < 1) {
    throw validationError(
      `Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  if (n > MAX_RESULTS) {
    throw validationError(
      `Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${MAX_RESULTS}`,
    );
  }
  return n;
}

function isValidName(name: string): boolean {
  const levels = name.split("/").length - (name.startsWith("/") ? 1 : 0);
  return (
    name.length > 0 &&
    name.length <= MAX_NAME_LENGTH &&
    NAME_CHARS.test(name) &&
    (!name.includes("/") || name.startsWith("/")) &&
    !name.includes("//") &&
    !name.endsWith("/") &&
    levels <= MAX_LEVELS
  );
}

function normalisePath(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const segments = trimmed.split("/").slice(1);
  // No aws/ssm prefix rule here: reads may walk the public /aws/service tree.
  const ok =
    trimmed.startsWith("/") &&
    NAME_CHARS.test(trimmed) &&
    !trimmed.includes("//") &&
    segments.length <= MAX_LEVELS;
  if (!ok) throw new AwsFault("ValidationException", PATH_RULES);
  return trimmed;
}

type ParameterFilter = (p: StoredParameter) => boolean;

function parseFilters(value: unknown): ParameterFilter[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new AwsFault("SerializationException", "Expected a list for ParameterFilters");
  }
  return value.map(parseFilter);
}

/** Only the keys GetParametersByPath accepts that the fake can honour; Label and tag: are not modelled. */
function parseFilter(raw: unknown): ParameterFilter {
  const f = (raw ?? {}) as { Key?: unknown; Option?: unknown; Values?: unknown };
  const key = String(f.Key);
  if (!FILTER_KEYS.includes(key)) {
    const valid = FILTER_KEYS.join(", ");
    throw new AwsFault(
      "InvalidFilterKey",
      `The following filter key is not valid: ${key}. Valid filter keys include: [${valid}].`,
    );
  }
  if (f.Option !== undefined && f.Option !== "Equals") {
    const option = String(f.Option);
    throw new AwsFault(
      "InvalidFilterOption",
      `The following filter option is not valid: ${option}. Valid options include: [Equals].`,
    );
  }
  const values = Array.isArray(f.Values) ? f.Values.map(String) : [];
  if (values.length === 0) {
    throw new AwsFault(
      "InvalidFilterValue",
      `The following filter values are missing : null for filter key ${key}.`,
    );
  }
  if (key === "Type") return (p) => values.includes(p.type);
  return (p) => p.keyId !== undefined && values.includes(p.keyId);
}

interface Cursor {
  offset: number;
  /** Responses already served in this pagination; drives the empty-page schedule. */
  served: number;
}

/** Opaque to clients, but bound to the path and recursion it was issued for, as AWS's are. */
function writeToken(path: string, recursive: boolean, cursor: Cursor): string {
  const body = JSON.stringify({ v: 1, p: path, r: recursive, o: cursor.offset, s: cursor.served });
  return `AAEA${Buffer.from(body).toString("base64")}`;
}

function readToken(token: unknown, path: string, recursive: boolean): Cursor {
  const invalid = new AwsFault("InvalidNextToken", "The specified token isn't valid.");
  if (typeof token !== "string" || !token.startsWith("AAEA")) throw invalid;
  try {
    const t = JSON.parse(Buffer.from(token.slice(4), "base64").toString("utf8")) as Record<string, unknown>;
    if (t.v !== 1 || t.p !== path || t.r !== recursive) throw invalid;
    if (!Number.isInteger(t.o) || !Number.isInteger(t.s)) throw invalid;
    return { offset: t.o as number, served: t.s as number };
  } catch {
    throw invalid;
  }
}

/** KMS-looking ciphertext (the `AQICAH` envelope prefix) that never contains the plaintext. */
function encrypt(p: StoredParameter): string {
  const digest = (salt: string) =>
    createHash("sha256").update(`${salt}|${p.keyId}|${p.name}|${p.version}|${p.value}`).digest();
  const header = Buffer.from([0x01, 0x02, 0x02, 0x00, 0x78]);
  return Buffer.concat([header, digest("a"), digest("b"), digest("c")]).toString("base64");
}
