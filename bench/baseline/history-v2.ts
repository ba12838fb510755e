// v2's history reader (src/execution/history-reader.ts at commit 1cc4569),
// kept unchanged as the baseline that bench/follow-shapes.ts measures the
// current reader against. It is v2's algorithm, not code the CLI runs: only
// the import below was adjusted (it pointed at ../aws/sfn.js); getHistoryPage
// sends the same GetExecutionHistory request v2 sent.
import type { HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { getHistoryPage } from "../../src/aws/sfn.js";

/** GetExecutionHistory returns at most this many events a call. */
const MAX_PAGE = 1000;

/**
 * Reads each history event once and hands the events to `apply` by id, in id
 * order, whatever order and page sizes the server answers with: Step
 * Functions numbers events 1, 2, 3... and never removes one, and batchinf is
 * also pointed at LocalStack and moto, which take liberties with
 * `reverseOrder` and `maxResults`.
 *
 * The first read goes forward in full pages, each applied as it arrives (a
 * 25,000-event history is never held whole). Step Functions gives no token to
 * resume from at the end, so later reads go newest-first: the first page's
 * newest id says exactly how many events are missing, and the next pages ask
 * for exactly that many, following the page's nextToken. A quiet poll costs
 * one call for one event.
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
  /** Events fetched (overlap included) and calls made, for the result and the benchmark. */
  fetched = 0;
  calls = 0;

  constructor(
    private readonly client: SFNClient,
    private readonly executionArn: string,
    private readonly apply: (event: HistoryEvent) => void,
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
  async readNew(signal?: AbortSignal): Promise<number> {
    const before = this.applied;
    if (this.applied === 0 || this.forwardOnly) await this.readForward(signal);
    else await this.readBackward(signal);
    this.flush();
    return this.applied - before;
  }

  private async readForward(signal?: AbortSignal): Promise<void> {
    let nextToken: string | undefined;
    do {
      const page = await this.page({ maxResults: MAX_PAGE, reverseOrder: false, nextToken }, signal);
      for (const event of page.events ?? []) this.take(event);
      this.drain();
      nextToken = page.nextToken;
    } while (nextToken);
  }

  private async readBackward(signal?: AbortSignal): Promise<void> {
    // One event first: its id says exactly how many are missing, and the next
    // pages ask for exactly that many. A quiet poll fetches that one event; a
    // busy one every new event once, and nothing it had already.
    let size = 1;
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
    signal: AbortSignal | undefined,
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
      signal ?? new AbortController().signal,
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
