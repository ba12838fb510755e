import type { HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { getHistoryPage } from "../aws/sfn.js";

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
 * that takes another page (a token is only reused with the request it came
 * from). A quiet poll costs one event; a steady stream, one extra a poll.
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
    const newestFirst: HistoryEvent[] = [];
    let nextToken: string | undefined;
    const size = this.reverseSize;
    for (;;) {
      const page = await this.page({ maxResults: size, reverseOrder: true, nextToken });
      const events = page.events ?? [];
      const unseen = events.filter((event) => (event.id ?? 0) > this.lastSeenId);
      newestFirst.push(...unseen);
      nextToken = page.nextToken;
      if (unseen.length < events.length || !nextToken) break;
    }
    const fresh = newestFirst.length;
    this.reverseSize = Math.min(MAX_PAGE, fresh + 1);
    return newestFirst.reverse();
  }

  private async page(request: { maxResults: number; reverseOrder: boolean; nextToken: string | undefined }) {
    this.calls++;
    const page = await getHistoryPage(this.client, {
      executionArn: this.executionArn,
      maxResults: request.maxResults,
      reverseOrder: request.reverseOrder,
      ...(request.nextToken ? { nextToken: request.nextToken } : {}),
    });
    this.fetched += page.events?.length ?? 0;
    return page;
  }
}
