// The one place an AWS SDK client's `send` is called. Its signal is required
// by type: a call that could outlive the interrupt or the --timeout deadline
// does not compile (v2 wired the signal into the follow loop only, and every
// phase before it hung on SIGTERM). test/send-only-here.test.ts fails if a
// `.send(` or an SDK paginator (which calls send without a signal) appears
// anywhere else in src/.

import type { Command, MetadataBearer } from "@smithy/types";
import { CallCutShortError } from "../errors.js";

/** Any SDK v3 client: its own `send` takes the command and `{ abortSignal }`. */
export interface SdkClient {
  // biome-ignore lint/suspicious/noExplicitAny: every client's send is generic over its own commands.
  send(command: any, options: { abortSignal: AbortSignal }): Promise<any>;
}

/**
 * Send one command, cut short when `signal` aborts (the SDK's retries and
 * backoff included). An aborted call rejects with CallCutShortError carrying
 * the signal's reason, whatever error the SDK raised for it.
 */
export async function send<Output extends MetadataBearer>(
  client: SdkClient,
  // biome-ignore lint/suspicious/noExplicitAny: the command fixes the output type; the rest is the client's.
  command: Command<any, any, any, Output, any>,
  signal: AbortSignal,
): Promise<Output> {
  if (signal.aborted) throw new CallCutShortError(signal.reason, { unsent: true });
  try {
    return (await client.send(command, { abortSignal: signal })) as Output;
  } catch (error: unknown) {
    if (signal.aborted) throw new CallCutShortError(signal.reason, { cause: error });
    throw error;
  }
}
