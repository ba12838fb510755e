import type { HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { getHistoryPage } from "../aws/sfn.js";

/** GetExecutionHistory returns at most this many events a call. */
const MAX_PAGE = 1000;
/** Polls whose findings size the next page: enough to see a rate, few enough to follow a change. */
const RATE_POLLS = 3;
/** A page holds this much more than the rate predicts: a call costs more than a few events. */
const HEADROOM = 1.25;

/** What one read found, for sizing the next page. */
interface Finding {
  at: number;
  events: number;
}

/**
 * Reads each history event once and hands the events to `apply` by id, in id
 * order, whatever order and page sizes the server answers with: Step
 * Functions numbers events 1, 2, 3... and never removes one, and batchinf is
 * also pointed at LocalStack and moto, which take liberties with
 * `reverseOrder` and `maxResults`.
 *
 * The first read goes forward in full pages, each applied as it arrives (a
 * 25,000-event history is never held whole). Step Functions gives no token to
 * resume from at the end, so later reads go newest-first, in one call when
 * the first page holds everything new and the newest event already seen: its
 * size is what the last polls found, as a rate over the time since the last
 * read, with some headroom (a quiet poll asks for one event). A page that
 * could not hold what is missing still says, by its newest id, exactly how
 * many are; the next pages ask for exactly that many, following its
 * nextToken. Calls are what the account's throttling buckets count, so a busy
 * poll costs one call, and a few events read twice.
 *
 * A server that answers a newest-first request oldest-first is noticed (its
 * page ends before what we have already seen, or ascends), and from then on
 * the history is read forward from the start each poll: slower, but correct.
 */
export class HistoryReader {
  /** The highest event id applied. */
  private applied = 0;
  /** Events that arrived ahead of a gap, by id. */
  private readonly pending = new Map<number, HistoryEvent>();
  private forwardOnly = false;
  /** The last reads' findings, oldest first (at most RATE_POLLS + 1). */
  private readonly findings: Finding[] = [];
  /** Events fetched (overlap included) and calls made, for the result and the benchmark. */
  fetched = 0;
  calls = 0;

  /** `now` lets a page be sized from the rate events arrive at; without it, from the last read's count. */
  constructor(
    private readonly client: SFNClient,
    private readonly executionArn: string,
    private readonly apply: (event: HistoryEvent) => void,
    private readonly now?: () => number,
  ) {}

  /** The newest event id applied so far. */
  get newestId(): number {
    return this.applied;
  }

  /** Whether the server was found to ignore `reverseOrder` (said once in the log). */
  get readsForward(): boolean {
    return this.forwardOnly;
  }

  /** Read and apply whatever is new; returns how many events were applied. */
  async readNew(signal: AbortSignal): Promise<number> {
    const before = this.applied;
    const at = this.now?.() ?? 0;
    if (this.applied === 0 || this.forwardOnly) await this.readForward(signal);
    else await this.readBackward(this.firstPageSize(at), signal);
    this.flush();
    const applied = this.applied - before;
    this.findings.push({ at, events: applied });
    if (this.findings.length > RATE_POLLS + 1) this.findings.shift();
    return applied;
  }

  /**
   * How many events the next newest-first page asks for: what the last polls
   * found, as a rate over their time times the time since the last read
   * (without a clock, the last read's count), with headroom; at least the
   * most one of them found, since events come in groups (a state's end and
   * the next one's start are six at one instant); plus the newest event
   * already seen, which proves the page reached back far enough. A quiet
   * spell asks for that one event alone.
   */
  private firstPageSize(at: number): number {
    // The first finding is the forward read: the history so far, not a rate.
    const recent = this.findings.slice(1);
    const first = this.findings[0] as Finding;
    const last = recent[recent.length - 1];
    if (!last) return 1;
    let found = 0;
    let most = 0;
    for (const finding of recent) {
      found += finding.events;
      most = Math.max(most, finding.events);
    }
    const rate =
      this.now && last.at > first.at
        ? (found / (last.at - first.at)) * Math.max(0, at - last.at)
        : last.events;
    return Math.min(MAX_PAGE, Math.ceil(Math.max(rate * HEADROOM, most)) + 1);
  }

  private async readForward(signal: AbortSignal): Promise<void> {
    let nextToken: string | undefined;
    do {
      const page = await this.page({ maxResults: MAX_PAGE, reverseOrder: false, nextToken }, signal);
      for (const event of page.events ?? []) this.take(event);
      this.drain();
      nextToken = page.nextToken;
    } while (nextToken);
  }

  private async readBackward(firstSize: number, signal: AbortSignal): Promise<void> {
    // The first page, sized from the rate, usually reaches an event already
    // seen: one call. When it does not, its newest id says exactly how many
    // are missing, and the next pages ask for exactly that many.
    let size = firstSize;
    let nextToken: string | undefined;
    let newest = this.applied;
    for (let first = true; ; first = false) {
      const page = await this.page({ maxResults: size, reverseOrder: true, nextToken }, signal);
      const events = page.events ?? [];
      if (first && events.length > 0 && !looksNewestFirst(events, this.applied)) {
        this.forwardOnly = true;
        this.pending.clear();
        await this.readForward(signal);
        return;
      }
      let reachedSeen = false;
      for (const event of events) {
        const id = event.id ?? 0;
        if (id <= this.applied) reachedSeen = true;
        else this.take(event);
        newest = Math.max(newest, id);
      }
      const missing = newest - this.applied - this.pending.size;
      nextToken = page.nextToken;
      if (reachedSeen || missing <= 0 || !nextToken) return;
      size = Math.min(MAX_PAGE, missing);
    }
  }

  private take(event: HistoryEvent): void {
    const id = event.id ?? 0;
    if (id > this.applied && !this.pending.has(id)) this.pending.set(id, event);
  }

  /** Apply the events that continue the sequence without a gap. */
  private drain(): void {
    for (let next = this.pending.get(this.applied + 1); next; next = this.pending.get(this.applied + 1)) {
      this.pending.delete(this.applied + 1);
      this.applied += 1;
      this.apply(next);
    }
  }

  /** At the end of a read, a gap the server never filled is stepped over, still in id order. */
  private flush(): void {
    this.drain();
    if (this.pending.size === 0) return;
    for (const id of [...this.pending.keys()].sort((a, b) => a - b)) {
      const event = this.pending.get(id) as HistoryEvent;
      this.pending.delete(id);
      this.applied = id;
      this.apply(event);
    }
  }

  private async page(
    request: { maxResults: number; reverseOrder: boolean; nextToken: string | undefined },
    signal: AbortSignal,
  ) {
    this.calls++;
    const page = await getHistoryPage(
      this.client,
      {
        executionArn: this.executionArn,
        maxResults: request.maxResults,
        reverseOrder: request.reverseOrder,
        ...(request.nextToken ? { nextToken: request.nextToken } : {}),
      },
      signal,
    );
    this.fetched += page.events?.length ?? 0;
    return page;
  }
}

/**
 * A newest-first page starts at or after what we have seen (events are never
 * removed) and descends. One that starts earlier, or ascends, was served
 * oldest-first.
 */
function looksNewestFirst(events: readonly HistoryEvent[], applied: number): boolean {
  const firstId = events[0]?.id ?? 0;
  if (firstId < applied) return false;
  for (let i = 1; i < events.length; i++) {
    if ((events[i]?.id ?? 0) > (events[i - 1]?.id ?? 0)) return false;
  }
  return true;
}
