import { setTimeout as delay } from "node:timers/promises";
import { flagOf } from "../cli-options.js";
import { InputError } from "../errors.js";
import type { Emit, ExecutionEvent, ExecutionReport, Reporter } from "../execution/model.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { assertFilesApart } from "../io/output-paths.js";
import type { Sleep } from "../io/sleep.js";
import { type DocumentContext, REPORT_DOCUMENTS } from "../report/documents.js";
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

export interface FrameRenderers {
  /** What the documents (REPORT_DOCUMENTS: result, JUnit, HTML) are rendered with; the frame adds the API calls. */
  documents: Omit<DocumentContext, "apiCalls">;
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
    for (const document of REPORT_DOCUMENTS) {
      const file = options[document.option];
      if (!file) continue;
      this.reporters.push(
        new FileReporter(file, document.title, (all) => document.render(all, this.documentContext()), {
          log,
          reports,
          ...(document.early ? { earlyOn: ARN_KNOWN } : {}),
        }),
      );
    }
    this.documents = renderers.documents;
  }

  private readonly documents: FrameRenderers["documents"];

  /** Set once the command ends: the documents written from then on are final. */
  private closing = false;

  private documentContext(): DocumentContext {
    return {
      ...this.documents,
      ...(this.apiCalls ? { apiCalls: this.apiCalls } : {}),
      ...(this.closing ? {} : { inProgress: true }),
    };
  }

  /**
   * Check the output files before anything starts (an unwritable path fails
   * now, not after an hour), against each other and every input file before
   * any is read or written: the placeholder result file once destroyed a
   * --tfvars of the same name before it was read.
   */
  static async open(
    ctx: CommandContext,
    options: FrameOptions,
    renderers: FrameRenderers,
  ): Promise<CommandFrame> {
    await assertFilesApart(options, ctx.optionLabel);
    for (const document of REPORT_DOCUMENTS) {
      const file = options[document.option];
      if (file && document.placeholder) {
        await assertWritable(
          file,
          flagOf(document.option),
          document.render([], { ...renderers.documents, inProgress: true }),
        );
      }
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
    this.closing = true;
    try {
      await Promise.all(this.reporters.map((reporter) => reporter.close?.(this.reports)));
      if (this.options.output === "json") {
        for (const document of REPORT_DOCUMENTS.filter((candidate) => candidate.stdout)) {
          this.ctx.io.stdout(document.render(this.reports, this.documentContext()));
        }
      }
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
