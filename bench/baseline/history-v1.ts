// v1's history reader (src/run/history.ts at commit 28d3498), kept unchanged
// as the baseline that bench/history.ts measures the current reader against.
// It is v1's algorithm, not code the CLI runs: only the import below was
// adjusted (it pointed at ../aws/sfn.js); getHistoryPage sends the same
// GetExecutionHistory request v1 sent.
import type { HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { getHistoryPage } from "../../src/aws/sfn.js";

/** GetExecutionHistory returns at most this many events a call. */
const MAX_PAGE = 1000;
/** After the first read, most polls bring a handful of events, often none: ask for few. */
const FIRST_REVERSE_PAGE = 10;

/**
 * Reads each history event once. The first read goes forward to the end, in
 * full pages. Step Functions gives no token to resume from once the end is
 * reached, so later reads go newest-first and stop at the first event
 * already seen. The page size is the last poll's count of new events plus
 * the one already-seen event that proves we caught up; a burst larger than
 * that is read again, larger. A quiet poll costs one event; a steady stream,
 * one extra a poll.
 */
export class HistoryReader {
  private lastSeenId = 0;
  private reverseSize = FIRST_REVERSE_PAGE;
  /** Events fetched, counting overlap (for the benchmark and --verbose). */
  fetched = 0;
  calls = 0;

  constructor(
    private readonly client: SFNClient,
    private readonly executionArn: string,
  ) {}

  async readNew(): Promise<HistoryEvent[]> {
    const fresh = this.lastSeenId === 0 ? await this.readForward() : await this.readBackward();
    const last = fresh[fresh.length - 1];
    if (last?.id !== undefined) this.lastSeenId = last.id;
    return fresh;
  }

  private async readForward(): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.page({ maxResults: MAX_PAGE, reverseOrder: false, nextToken });
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  private async readBackward(): Promise<HistoryEvent[]> {
    // A page with nothing already seen means more is new than guessed: ask
    // again from the top, four times larger (a quiet spell followed by a
    // burst of 200 costs 5 calls, not 200). At the API's maximum, follow the
    // pages down instead.
    let size = this.reverseSize;
    let newestFirst: HistoryEvent[];
    for (;;) {
      const page = await this.page({ maxResults: size, reverseOrder: true, nextToken: undefined });
      newestFirst = this.unseen(page.events);
      let nextToken = page.nextToken;
      const caughtUp = newestFirst.length < (page.events?.length ?? 0) || !nextToken;
      if (caughtUp) break;
      if (size < MAX_PAGE) {
        size = Math.min(MAX_PAGE, size * 4);
        continue;
      }
      while (nextToken) {
        const older = await this.page({ maxResults: MAX_PAGE, reverseOrder: true, nextToken });
        const unseen = this.unseen(older.events);
        newestFirst.push(...unseen);
        nextToken = unseen.length < (older.events?.length ?? 0) ? undefined : older.nextToken;
      }
      break;
    }
    this.reverseSize = Math.min(MAX_PAGE, newestFirst.length + 1);
    return newestFirst.reverse();
  }

  private unseen(events: HistoryEvent[] | undefined): HistoryEvent[] {
    return (events ?? []).filter((event) => (event.id ?? 0) > this.lastSeenId);
  }

  private async page(request: { maxResults: number; reverseOrder: boolean; nextToken: string | undefined }) {
    this.calls++;
    const page = await getHistoryPage(
      this.client,
      {
        executionArn: this.executionArn,
        maxResults: request.maxResults,
        reverseOrder: request.reverseOrder,
        ...(request.nextToken ? { nextToken: request.nextToken } : {}),
      },
      new AbortController().signal,
    );
    this.fetched += page.events?.length ?? 0;
    return page;
  }
}
