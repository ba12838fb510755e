/**
 * Waits `ms`, or less when `signal` aborts. Every loop that waits takes one,
 * so tests run on virtual time; the one type lives down here because the
 * poll loop, the abort path and the API budget all wait.
 */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;
