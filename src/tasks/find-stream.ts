import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { LogsModule } from "../aws/load-logs.js";
import type { LogSource } from "./types.js";

/** A search reads at most this many FilterLogEvents pages (a busy group's window costs calls too). */
const MAX_PAGES = 10;

export type FoundStream =
  /** The stream, and the event found in it (its time and its line). */
  | { stream: string; from: number; line?: string }
  /** Several events hold the phrase and the source asks for one: which stream is meant cannot be told. */
  | { ambiguous: number }
  | { missing: string };

/**
 * The stream a `find` source means: the first event of its group, inside its
 * window, that holds its phrase (one FilterLogEvents call a page, quoted
 * phrase, bounded window; up to MAX_PAGES pages). With `unique`, every page
 * is read to be sure no second event holds the phrase.
 */
export async function findStream(
  api: Pick<LogsModule, "filterLogEventsPage">,
  client: CloudWatchLogsClient,
  source: LogSource,
  signal: AbortSignal,
): Promise<FoundStream> {
  const find = source.find;
  const start = source.window?.start ?? 0;
  const end = source.window?.end;
  if (!find) return { stream: source.stream, from: start };
  const hits: Array<{ stream: string; timestamp: number; message: string }> = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await api.filterLogEventsPage(
      client,
      {
        group: source.group,
        phrase: find.phrase,
        startTime: start,
        ...(end !== undefined ? { endTime: end } : {}),
        ...(token ? { token } : {}),
      },
      signal,
    );
    for (const event of result.events) if (event.message.includes(find.phrase)) hits.push(event);
    if (hits.length > 0 && !find.unique) break;
    if (!result.nextToken || result.nextToken === token) break;
    token = result.nextToken;
  }
  const first = hits[0];
  if (!first) {
    const until = end !== undefined ? ` and ${iso(end)}` : "";
    return { missing: `no line holding "${find.phrase}" in ${source.group} between ${iso(start)}${until}` };
  }
  if (find.unique && hits.length > 1) return { ambiguous: hits.length };
  return { stream: first.stream, from: first.timestamp, line: first.message };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
