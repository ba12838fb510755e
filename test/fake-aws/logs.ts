// CloudWatch Logs (Logs_20140328, awsJson1_1), as far as batchinf reads it:
// GetLogEvents, FilterLogEvents, DescribeLogStreams. Paging follows the API
// reference, including what clients get wrong: GetLogEvents always answers both
// tokens and, at the end of a stream, the very token it was sent; pages may be
// empty while more remains (the service scans time, not events); a backward
// walk ends when the same backward token comes back. Events "arrive" over a
// task's life: one whose time (ingestion time, else timestamp) is after
// `ctx.clock.now()` is invisible, and so is a stream created in the future.

import { createHash } from "node:crypto";
import { optionalBoolean, optionalNumber, optionalString, requiredString, validation } from "./fields.js";
import { unknownOperation } from "./server.js";
import { AwsFault, type AwsService, type Clock, type ServiceContext } from "./types.js";

export interface SeedLogEvent {
  timestamp: number;
  message: string;
  /** When the event becomes visible; default its timestamp. */
  ingestionTime?: number;
}

export interface LogsPagingOptions {
  /** Every Nth forward GetLogEvents / FilterLogEvents page that has events to give answers empty instead, with a new token. */
  emptyPageEvery?: number;
}

export interface LogsServiceOptions {
  accountId?: string;
  region?: string;
  principalArn?: string;
  paging?: LogsPagingOptions;
  /** For seeding and inspection before any request has brought a clock. */
  clock?: Clock;
}

interface StoredEvent extends Required<SeedLogEvent> {
  /** Insertion order: ties on timestamp keep it. */
  seq: number;
}

interface Stream {
  name: string;
  creationTime: number;
  events: StoredEvent[];
}

interface Group {
  name: string;
  creationTime: number;
  streams: Map<string, Stream>;
}

// Limits from the API reference.
const MAX_EVENTS = 10_000;
const MAX_BYTES = 1_048_576;
/** PutLogEvents counts each event as its UTF-8 message plus 26 bytes; a response is held to the same 1 MB. */
const EVENT_OVERHEAD = 26;
const MAX_STREAMS_PAGE = 50;
const MAX_FILTER_STREAMS = 100;

export class LogsService implements AwsService {
  readonly targetPrefix = "Logs_20140328";
  readonly jsonVersion = "1.1";
  readonly accountId: string;
  readonly region: string;
  private readonly principalArn: string;
  private readonly groups = new Map<string, Group>();
  /** Group name -> operations denied (empty set: every operation). */
  private readonly denied = new Map<string, Set<string>>();
  private paging: LogsPagingOptions;
  private pagesServed = 0;
  private seq = 0;
  private clock: Clock;

  constructor(options: LogsServiceOptions = {}) {
    this.accountId = options.accountId ?? "123456789012";
    this.region = options.region ?? "ap-south-1";
    this.principalArn =
      options.principalArn ?? `arn:aws:sts::${this.accountId}:assumed-role/jenkins/batchinf`;
    this.paging = { ...options.paging };
    this.clock = options.clock ?? { now: () => Date.now() };
  }

  // -- seeding -----------------------------------------------------------------

  createLogGroup(name: string, creationTime = 0): void {
    if (!this.groups.has(name)) this.groups.set(name, { name, creationTime, streams: new Map() });
  }

  /** A stream created at `creationTime` does not exist for a caller before then. */
  createLogStream(group: string, stream: string, creationTime = 0): void {
    this.createLogGroup(group);
    const streams = (this.groups.get(group) as Group).streams;
    if (!streams.has(stream)) streams.set(stream, { name: stream, creationTime, events: [] });
  }

  /** Add events (creating the group and stream, the stream at the first event's time unless it exists). */
  putLogEvents(group: string, stream: string, events: SeedLogEvent[]): void {
    const first = Math.min(...events.map((e) => e.ingestionTime ?? e.timestamp));
    this.createLogStream(group, stream, Number.isFinite(first) ? first : 0);
    const target = (this.groups.get(group) as Group).streams.get(stream) as Stream;
    for (const e of events) {
      target.events.push({
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.ingestionTime ?? e.timestamp,
        seq: this.seq++,
      });
    }
    target.events.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
  }

  /** Deny the caller some operations (all when omitted) on a log group. */
  deny(group: string, operations: string[] = []): void {
    this.denied.set(group, new Set(operations));
  }

  allow(group: string): void {
    this.denied.delete(group);
  }

  setPaging(paging: LogsPagingOptions): void {
    this.paging = { ...paging };
  }

  groupArn(group: string): string {
    return `arn:aws:logs:${this.region}:${this.accountId}:log-group:${group}`;
  }

  // -- dispatch ----------------------------------------------------------------

  handle(operation: string, input: Record<string, unknown>, ctx: ServiceContext): unknown {
    this.clock = ctx.clock;
    const now = ctx.clock.now();
    switch (operation) {
      case "GetLogEvents":
        return this.getLogEvents(input, now);
      case "FilterLogEvents":
        return this.filterLogEvents(input, now);
      case "DescribeLogStreams":
        return this.describeLogStreams(input, now);
      default:
        throw unknownOperation(this.targetPrefix, operation);
    }
  }

  // -- operations --------------------------------------------------------------

  private getLogEvents(input: Record<string, unknown>, now: number): unknown {
    const groupName = groupNameOf(input);
    const streamName = requiredString(input, "logStreamName");
    this.authorize("GetLogEvents", groupName, `:log-stream:${streamName}`);
    const stream = this.streamOf(groupName, streamName, now);
    const limit = limitOf(input, MAX_EVENTS, MAX_EVENTS);
    const startTime = optionalNumber(input, "startTime");
    const endTime = optionalNumber(input, "endTime");
    const tokenText = optionalString(input, "nextToken");
    const tag = streamTag(groupName, streamName);
    const token = tokenText === undefined ? undefined : parseEventToken(tokenText, tag);
    // A token carries its direction; without one, startFromHead picks (default false: the newest first).
    const forward = token ? token.forward : optionalBoolean(input, "startFromHead") === true;
    const visible = stream.events.filter(
      (e) =>
        e.ingestionTime <= now &&
        (startTime === undefined || e.timestamp >= startTime) &&
        (endTime === undefined || e.timestamp < endTime),
    );
    // Positions are counts of visible events before a point; tokens name the event key at that point.
    const position = token ? positionOf(visible, token.key) : forward ? 0 : visible.length;
    if (forward) {
      let page = takeForward(visible, position, limit);
      if (page.length > 0 && this.emptyPageDue()) page = [];
      const end = position + page.length;
      const out = {
        events: page.map(renderEvent),
        nextForwardToken:
          page.length === 0 && tokenText !== undefined && !this.lastWasForcedEmpty
            ? tokenText
            : eventToken(true, keyAt(visible, end), tag, this.pagesServed),
        nextBackwardToken: eventToken(false, keyAt(visible, position), tag, 0),
      };
      this.lastWasForcedEmpty = false;
      return out;
    }
    const page = takeBackward(visible, position, limit);
    const begin = position - page.length;
    return {
      events: page.map(renderEvent),
      nextForwardToken: eventToken(true, keyAt(visible, position), tag, 0),
      nextBackwardToken:
        page.length === 0 && tokenText !== undefined
          ? tokenText
          : eventToken(false, keyAt(visible, begin), tag, 0),
    };
  }

  private filterLogEvents(input: Record<string, unknown>, now: number): unknown {
    const groupName = groupNameOf(input);
    this.authorize("FilterLogEvents", groupName, "");
    const group = this.groupOf(groupName);
    const names = input.logStreamNames;
    const prefix = optionalString(input, "logStreamNamePrefix");
    if (names !== undefined && prefix !== undefined) {
      throw new AwsFault(
        "InvalidParameterException",
        "Cannot specify both logStreamNames and logStreamNamePrefix.",
      );
    }
    if (
      names !== undefined &&
      (!Array.isArray(names) || names.length === 0 || names.length > MAX_FILTER_STREAMS)
    ) {
      throw validation(
        `Value at 'logStreamNames' failed to satisfy constraint: Member must have length between 1 and ${MAX_FILTER_STREAMS}`,
      );
    }
    const wanted = (stream: Stream) =>
      stream.creationTime <= now &&
      (names === undefined || (names as unknown[]).includes(stream.name)) &&
      (prefix === undefined || stream.name.startsWith(prefix));
    const startTime = optionalNumber(input, "startTime");
    const endTime = optionalNumber(input, "endTime");
    const pattern = optionalString(input, "filterPattern");
    const terms = pattern === undefined ? [] : filterTerms(pattern);
    const limit = limitOf(input, MAX_EVENTS, MAX_EVENTS);
    const merged = [...group.streams.values()]
      .filter(wanted)
      .flatMap((stream) => stream.events.map((e) => ({ stream: stream.name, e })))
      .filter(
        ({ e }) =>
          e.ingestionTime <= now &&
          (startTime === undefined || e.timestamp >= startTime) &&
          (endTime === undefined || e.timestamp <= endTime) &&
          terms.every((term) => e.message.includes(term)),
      )
      .sort((a, b) => a.e.timestamp - b.e.timestamp || a.e.seq - b.e.seq);
    const tokenText = optionalString(input, "nextToken");
    let from = 0;
    if (tokenText !== undefined) {
      // The token names the last event already given (-1: none yet).
      const seq = parseFilterToken(tokenText, groupName);
      from = seq < 0 ? 0 : merged.findIndex(({ e }) => e.seq === seq) + 1;
    }
    const count = takeForward(
      merged.map(({ e }) => e),
      from,
      limit,
    ).length;
    let page = merged.slice(from, from + count);
    let empty = false;
    if (page.length > 0 && this.emptyPageDue()) {
      page = [];
      empty = true;
    }
    this.lastWasForcedEmpty = false;
    const out: Record<string, unknown> = {
      events: page.map(({ stream, e }) => ({
        logStreamName: stream,
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.ingestionTime,
        eventId: eventId(e),
      })),
    };
    const last = page.at(-1);
    // No nextToken once nothing is left; an empty page that still has more says so with one.
    if (empty)
      out.nextToken = filterToken(
        groupName,
        from === 0 ? -1 : (merged[from - 1]?.e.seq ?? -1),
        this.pagesServed,
      );
    else if (last && from + page.length < merged.length)
      out.nextToken = filterToken(groupName, last.e.seq, 0);
    return out;
  }

  private describeLogStreams(input: Record<string, unknown>, now: number): unknown {
    const groupName = groupNameOf(input);
    this.authorize("DescribeLogStreams", groupName, "");
    const group = this.groupOf(groupName);
    const prefix = optionalString(input, "logStreamNamePrefix");
    const orderBy = optionalString(input, "orderBy") ?? "LogStreamName";
    if (orderBy !== "LogStreamName" && orderBy !== "LastEventTime") {
      throw validation(
        `Value '${orderBy}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`,
      );
    }
    if (prefix !== undefined && orderBy === "LastEventTime") {
      throw new AwsFault(
        "InvalidParameterException",
        "Cannot order by LastEventTime with a logStreamNamePrefix.",
      );
    }
    const descending = optionalBoolean(input, "descending") === true;
    const limit = limitOf(input, MAX_STREAMS_PAGE, MAX_STREAMS_PAGE);
    const visible = [...group.streams.values()]
      .filter((s) => s.creationTime <= now && (prefix === undefined || s.name.startsWith(prefix)))
      .map((s) => ({ stream: s, events: s.events.filter((e) => e.ingestionTime <= now) }));
    visible.sort((a, b) =>
      orderBy === "LogStreamName"
        ? a.stream.name.localeCompare(b.stream.name)
        : (a.events.at(-1)?.timestamp ?? 0) - (b.events.at(-1)?.timestamp ?? 0),
    );
    if (descending) visible.reverse();
    const tokenText = optionalString(input, "nextToken");
    const from = tokenText === undefined ? 0 : parseStreamsToken(tokenText, groupName);
    const page = visible.slice(from, from + limit);
    const out: Record<string, unknown> = {
      logStreams: page.map(({ stream, events }) => ({
        logStreamName: stream.name,
        creationTime: stream.creationTime,
        ...(events.length
          ? {
              firstEventTimestamp: events[0]?.timestamp,
              lastEventTimestamp: events.at(-1)?.timestamp,
              lastIngestionTime: Math.max(...events.map((e) => e.ingestionTime)),
            }
          : {}),
        arn: `${this.groupArn(groupName)}:log-stream:${stream.name}`,
        storedBytes: 0,
      })),
    };
    if (from + limit < visible.length) out.nextToken = streamsToken(groupName, from + limit);
    return out;
  }

  // -- helpers -----------------------------------------------------------------

  private lastWasForcedEmpty = false;

  /** Counts pages that had events to give; every Nth is answered empty (with a fresh token). */
  private emptyPageDue(): boolean {
    const every = this.paging.emptyPageEvery ?? 0;
    if (every <= 0) return false;
    this.pagesServed += 1;
    const due = this.pagesServed % every === 0;
    this.lastWasForcedEmpty = due;
    return due;
  }

  private authorize(operation: string, group: string, resourceTail: string): void {
    const denied = this.denied.get(group);
    if (!denied || (denied.size > 0 && !denied.has(operation))) return;
    const action = `logs:${operation}`;
    throw new AwsFault(
      "AccessDeniedException",
      `User: ${this.principalArn} is not authorized to perform: ${action} on resource: ${this.groupArn(group)}${resourceTail} because no identity-based policy allows the ${action} action`,
    );
  }

  private groupOf(name: string): Group {
    const group = this.groups.get(name);
    if (!group || group.creationTime > this.clock.now())
      throw new AwsFault("ResourceNotFoundException", "The specified log group does not exist.");
    return group;
  }

  private streamOf(groupName: string, streamName: string, now: number): Stream {
    const stream = this.groupOf(groupName).streams.get(streamName);
    if (!stream || stream.creationTime > now)
      throw new AwsFault("ResourceNotFoundException", "The specified log stream does not exist.");
    return stream;
  }
}

export function createLogsService(options: LogsServiceOptions = {}): LogsService {
  return new LogsService(options);
}

// ---------------------------------------------------------------------------
// Paging

function eventBytes(e: StoredEvent): number {
  return Buffer.byteLength(e.message, "utf8") + EVENT_OVERHEAD;
}

function takeForward(events: StoredEvent[], from: number, limit: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  let bytes = 0;
  for (let i = from; i < events.length && out.length < limit; i += 1) {
    const e = events[i] as StoredEvent;
    bytes += eventBytes(e);
    if (bytes > MAX_BYTES && out.length > 0) break;
    out.push(e);
  }
  return out;
}

/** The newest events before `before`, oldest first, within the limit and 1 MB. */
function takeBackward(events: StoredEvent[], before: number, limit: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  let bytes = 0;
  for (let i = before - 1; i >= 0 && out.length < limit; i -= 1) {
    const e = events[i] as StoredEvent;
    bytes += eventBytes(e);
    if (bytes > MAX_BYTES && out.length > 0) break;
    out.unshift(e);
  }
  return out;
}

/** An event key orders events: timestamp, then arrival. The key at a position is that of the event there. */
interface EventKey {
  timestamp: number;
  seq: number;
}

function keyAt(events: StoredEvent[], position: number): EventKey {
  const e = events[position];
  // Past the last visible event: a key after it, so later arrivals land after the token.
  if (!e) {
    const last = events.at(-1);
    return last ? { timestamp: last.timestamp, seq: last.seq + 1 } : { timestamp: 0, seq: 0 };
  }
  return { timestamp: e.timestamp, seq: e.seq };
}

/** How many visible events sort before the key. */
function positionOf(events: StoredEvent[], key: EventKey): number {
  const index = events.findIndex(
    (e) => e.timestamp > key.timestamp || (e.timestamp === key.timestamp && e.seq >= key.seq),
  );
  return index < 0 ? events.length : index;
}

/**
 * Real tokens look like `f/3764…/s` and `b/3764…/s`: digits behind a direction.
 * These are too: 20 digits of timestamp, 12 of sequence, 8 of the stream's tag,
 * 6 of a hop counter that makes an empty page's token differ from the one sent.
 */
function eventToken(forward: boolean, key: EventKey, tag: string, hop: number): string {
  const digits = `${pad(key.timestamp, 20)}${pad(key.seq, 12)}${tag}${pad(hop % 1_000_000, 6)}`;
  return `${forward ? "f" : "b"}/${digits}/s`;
}

function parseEventToken(token: string, tag: string): { forward: boolean; key: EventKey } {
  const m = /^([fb])\/(\d{20})(\d{12})(\d{8})\d{6}\/s$/.exec(token);
  if (!m || m[4] !== tag)
    throw new AwsFault("InvalidParameterException", "The specified nextToken is invalid.");
  return { forward: m[1] === "f", key: { timestamp: Number(m[2]), seq: Number(m[3]) } };
}

function streamTag(group: string, stream: string): string {
  const hex = createHash("sha256").update(`${group}\u0000${stream}`).digest("hex").slice(0, 8);
  return String(Number.parseInt(hex, 16) % 100_000_000).padStart(8, "0");
}

function filterToken(group: string, afterSeq: number, hop: number): string {
  return Buffer.from(JSON.stringify({ g: group, s: afterSeq, h: hop })).toString("base64");
}

function parseFilterToken(token: string, group: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { g?: unknown; s?: unknown };
    if (parsed.g === group && typeof parsed.s === "number") return parsed.s;
  } catch {
    // fall through
  }
  throw new AwsFault("InvalidParameterException", "The specified nextToken is invalid.");
}

function streamsToken(group: string, from: number): string {
  return Buffer.from(JSON.stringify({ g: group, f: from })).toString("base64");
}

function parseStreamsToken(token: string, group: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { g?: unknown; f?: unknown };
    if (parsed.g === group && typeof parsed.f === "number") return parsed.f;
  } catch {
    // fall through
  }
  throw new AwsFault("InvalidParameterException", "The specified nextToken is invalid.");
}

function pad(n: number, width: number): string {
  return String(Math.max(0, Math.trunc(n))).padStart(width, "0");
}

function eventId(e: StoredEvent): string {
  return `${pad(e.timestamp, 20)}${pad(e.seq, 36)}`;
}

function renderEvent(e: StoredEvent): Record<string, unknown> {
  return { timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime };
}

/** The subset of the filter pattern syntax the fake knows: space-separated literal terms, optionally quoted. */
function filterTerms(pattern: string): string[] {
  if (/[{}[\]?]/.test(pattern)) {
    throw new AwsFault(
      "InvalidParameterException",
      "fake CloudWatch Logs: only literal-term filter patterns are modelled",
    );
  }
  return [...pattern.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "").filter((t) => t !== "");
}

// ---------------------------------------------------------------------------
// Input validation

function groupNameOf(input: Record<string, unknown>): string {
  const name = optionalString(input, "logGroupName");
  const identifier = optionalString(input, "logGroupIdentifier");
  if (name !== undefined && identifier !== undefined) {
    throw new AwsFault(
      "InvalidParameterException",
      "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
    );
  }
  const given = name ?? identifier;
  if (given === undefined) {
    throw new AwsFault(
      "InvalidParameterException",
      "Either logGroupName or logGroupIdentifier must be specified.",
    );
  }
  // An identifier may be the group's ARN (without the trailing :*).
  const arn = /^arn:aws[a-z-]*:logs:[^:]*:\d{12}:log-group:(.+?)(:\*)?$/.exec(given);
  return arn ? (arn[1] as string) : given;
}

function limitOf(input: Record<string, unknown>, max: number, fallback: number): number {
  const limit = optionalNumber(input, "limit");
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw validation(
      `Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? "greater than or equal to 1" : `less than or equal to ${max}`}`,
    );
  }
  return limit;
}
