// One follower process for bench/history.ts's peak-RSS case: follows one
// execution to its end with the full follow loop and tracker of one
// implementation, and reports its peak memory to the parent over IPC.
//
// bench/history.ts writes a small entry module per implementation that
// imports that implementation's modules (from a checkout of v1, 28d3498, or
// from this one) and hands them to runFollower(); the entry runs either under
// tsx or bundled by esbuild the way the CLI ships (dist/ is an esbuild
// bundle), so the loader's own memory can be told apart from the follower's.
//
// The local endpoint lives in the parent, so this process's RSS is the
// follower's alone. The virtual clock lives there too: each sleep asks the
// parent to advance it and waits for the answer, so an hour-long execution
// runs in seconds, polled on exactly the schedule it would be in real time.
//
// v1: src/run/wait.ts followExecution, which builds its own reader and
// tracker and writes log lines through a Logger; here the Logger writes to a
// sink that discards. main: src/execution/ followExecution with HistoryReader
// and ExecutionTracker, its events turned into log lines by the real
// LogReporter, into the same kind of sink.
import { SFNClient } from "@aws-sdk/client-sfn";

type Message = { type: "now"; t: number };

/** The modules each implementation is driven through (typed loosely: v1's types are not this checkout's). */
// biome-ignore lint/suspicious/noExplicitAny: two code bases' classes, checked by running them
type Module = any;
export type FollowerModules =
  | { kind: "v1"; followExecution: Module; Logger: Module }
  | {
      kind: "main";
      followExecution: Module;
      HistoryReader: Module;
      ExecutionTracker: Module;
      LogReporter: Module;
      Logger: Module;
    };

/** Arguments (after the entry): <executionArn> <startedAt> <now>; BENCH_ENDPOINT names the endpoint. */
export async function runFollower(modules: FollowerModules): Promise<void> {
  const [executionArn, startedAtText, nowText] = process.argv.slice(2);
  if (!executionArn || !startedAtText || !nowText) {
    throw new Error("usage: <entry> <executionArn> <startedAt> <now>");
  }
  const startedAt = Number(startedAtText);
  let t = Number(nowText);
  const now = () => t;

  let peakRss = process.memoryUsage().rss;
  let polls = 0;
  function sample(): void {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }

  /** Sleep on the parent's clock; sampled here, once a poll (every poll ends in a sleep). */
  function sleep(ms: number): Promise<void> {
    polls++;
    sample();
    return new Promise((resolve) => {
      process.once("message", (message: Message) => {
        t = message.t;
        resolve();
      });
      process.send?.({ type: "sleep", ms });
    });
  }

  const endpoint = process.env.BENCH_ENDPOINT ?? "";
  const client = new SFNClient({
    endpoint,
    region: "ap-south-1",
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
  });
  const io = { stdout: () => {}, stderr: () => {}, stderrIsTTY: false, env: {} };
  const interrupt = new AbortController().signal;
  const defaults = {
    pollInterval: 2_000,
    maxPollInterval: 20_000,
    stopOnTimeout: false,
    onAbort: "stop" as const,
  };

  let status: string | undefined;
  let events = 0;
  if (modules.kind === "v1") {
    const { followExecution, Logger } = modules;
    const outcome = await followExecution(executionArn, startedAt, defaults, {
      client,
      region: "ap-south-1",
      log: new Logger(io),
      now,
      sleep,
      interrupt,
    });
    status = outcome.execution?.status;
    events = outcome.history.fetched;
  } else {
    const { followExecution, HistoryReader, ExecutionTracker, LogReporter, Logger } = modules;
    const reporter = new LogReporter(new Logger(io));
    const emit = (event: unknown) => reporter.onEvent(event, undefined);
    emit({ type: "started", at: startedAt, executionArn, name: "rss", startedAt });
    const tracker = new ExecutionTracker(emit, startedAt);
    const reader = new HistoryReader(client, executionArn, (event: unknown) => tracker.apply(event));
    const outcome = await followExecution(
      executionArn,
      startedAt,
      tracker,
      reader,
      { ...defaults, abortTimeout: 4_000 },
      { client, region: "ap-south-1", now, sleep, interrupt, emit },
    );
    status = outcome.kind === "ended" ? outcome.status : outcome.kind;
    events = reader.fetched;
  }
  sample();
  const maxRss = process.resourceUsage().maxRSS * 1024;
  // What the follower still holds at the end (its tracker's state): a full GC first, when --expose-gc allows it.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const retainedHeap = gc ? process.memoryUsage().heapUsed : undefined;
  client.destroy();
  process.send?.({
    type: "done",
    status,
    fetched: events,
    polls,
    peakRss,
    // getrusage reports KiB on Linux.
    maxRss,
    retainedHeap,
  });
  process.disconnect?.();
}
