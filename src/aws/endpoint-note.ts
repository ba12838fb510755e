/** What an SDK error carries for its message: the endpoint's host (never its credentials) and the timeout. */
export interface EndpointNote {
  host: string;
  requestTimeoutMs: number;
}

/** Registry-wide: the logs bundle's errors carry it too. */
export const ENDPOINT_NOTE = Symbol.for("batchinf.endpoint");
