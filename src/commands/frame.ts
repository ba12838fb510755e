import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { InputError } from "../errors.js";
import type { Emit, ExecutionEvent, ExecutionReport, Reporter } from "../execution/model.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import type { Sleep } from "../io/sleep.js";
import { FileReporter } from "../report/file-reporter.js";
import { LogReporter } from "../report/log-reporter.js";
import type { CommandContext } from "./context.js";
import { type Interrupt, listenForInterrupt } from "./interrupt.js";

export interface FrameOptions {
  resultFile?: string;
  junit?: string;
  reportHtml?: string;
  output: "text" | "json";
}

/** A renderer of the reports into one document (result JSON, JUnit XML, HTML). */
export type Render = (reports: readonly ExecutionReport[]) => string;

export interface FrameRenderers {
  /** The result JSON; `apiCalls` are the calls made so far. */
  result: (reports: readonly ExecutionReport[], apiCalls?: Record<string, number>) => string;
  junit?: Render;
  html?: Render;
  /** Extra lines under a failure in the text log (the failed task's details and log tail). */
  failureLines?: (report: ExecutionReport) => string[];
}

/** Events after which the result file is written at once: the execution ARN is known. */
const ARN_KNOWN = new Set<ExecutionEvent["type"]>([
  "start-sending",
  "started",
  "attached",
  "redriven",
  "found-ended",
]);

/** Wall-clock sleep, cut short by an abort. */
export const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, { signal }).catch(() => undefined);
};

/**
 * What run, wait and backfill share around their executions: SIGINT/SIGTERM
 * become an abort signal, events fan out to the reporters (log, result file,
 * JUnit, HTML), and every report is written in every ending.
 */
export class CommandFrame {
  readonly reports: ExecutionReport[] = [];
  /** The AWS calls made, by operation, once clients exist: the result records them. */
  apiCalls?: Record<string, number>;
  readonly sleep: Sleep;
  private readonly interruption: Interrupt;
  private readonly reporters: Reporter[] = [];

  private constructor(
    private readonly ctx: CommandContext,
    private readonly options: FrameOptions,
    renderers: FrameRenderers,
  ) {
    this.sleep = ctx.sleep ?? realSleep;
    this.interruption = listenForInterrupt(ctx);
    const reports = () => this.reports;
    this.reporters.push(
      new LogReporter(ctx.log, renderers.failureLines ? { describeFailure: renderers.failureLines } : {}),
    );
    const { log } = ctx;
    if (options.resultFile) {
      this.reporters.push(
        new FileReporter(options.resultFile, "--result-file", (all) => renderers.result(all, this.apiCalls), {
          log,
          reports,
          earlyOn: ARN_KNOWN,
        }),
      );
    }
    if (options.junit && renderers.junit) {
      this.reporters.push(
        new FileReporter(options.junit, "--junit report", renderers.junit, { log, reports }),
      );
    }
    if (options.reportHtml && renderers.html) {
      this.reporters.push(
        new FileReporter(options.reportHtml, "--report-html report", renderers.html, { log, reports }),
      );
    }
    this.renderResult = renderers.result;
  }

  private readonly renderResult: FrameRenderers["result"];

  /** Check the output files before anything starts: an unwritable path fails now, not after an hour. */
  static async open(
    ctx: CommandContext,
    options: FrameOptions,
    renderers: FrameRenderers,
  ): Promise<CommandFrame> {
    const placeholder = renderers.result([]);
    if (options.resultFile) await assertWritable(options.resultFile, "--result-file", placeholder);
    for (const [flag, file] of [
      ["--junit", options.junit],
      ["--report-html", options.reportHtml],
    ] as const) {
      if (file) await assertDirectoryWritable(file, flag);
    }
    return new CommandFrame(ctx, options, renderers);
  }

  get interrupt(): AbortSignal {
    return this.interruption.signal;
  }

  /** An emitter for one execution; `label` tells executions apart in a shared log. */
  emitFor(label?: string): Emit {
    return (event) => {
      for (const reporter of this.reporters) reporter.onEvent(event, label);
    };
  }

  /** Wait until the reports written early (the result file with the ARN) are on disk. */
  async flush(): Promise<void> {
    await Promise.all(this.reporters.map((reporter) => reporter.flush?.()));
  }

  /** Write every report, print the result on stdout with --output json, stop listening for signals. */
  async close(): Promise<void> {
    try {
      await Promise.all(this.reporters.map((reporter) => reporter.close?.(this.reports)));
      if (this.options.output === "json") this.ctx.io.stdout(this.renderResult(this.reports, this.apiCalls));
    } finally {
      this.interruption.dispose();
    }
  }
}

async function assertWritable(file: string, flag: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (error: unknown) {
    throw new InputError(
      `Cannot write ${flag} ${file}: ${(error as Error).message}; create its directory or choose another path.`,
      { cause: error },
    );
  }
}

async function assertDirectoryWritable(file: string, flag: string): Promise<void> {
  try {
    await access(dirname(file), constants.W_OK);
  } catch (error: unknown) {
    throw new InputError(
      `Cannot write ${flag} ${file}: its directory ${dirname(file)} does not exist or is not writable; create it or choose another path.`,
      { cause: error },
    );
  }
}
