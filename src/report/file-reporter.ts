import type { ExecutionEvent, ExecutionReport, Reporter } from "../execution/model.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import type { Logger } from "../io/log.js";

/**
 * A report written to a file in every ending (the result, JUnit, HTML),
 * atomically. `earlyOn` names events after which the file is written at once
 * too: the result file records the execution ARN as soon as it is known, so
 * a process killed before it could stop the execution can be cleaned up with
 * `batchinf stop --result-file FILE`.
 */
export class FileReporter implements Reporter {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly what: string,
    private readonly render: (reports: readonly ExecutionReport[]) => string,
    private readonly deps: {
      log: Logger;
      reports: () => readonly ExecutionReport[];
      earlyOn?: ReadonlySet<ExecutionEvent["type"]>;
    },
  ) {}

  onEvent(event: ExecutionEvent): void {
    if (this.deps.earlyOn?.has(event.type)) this.schedule(this.deps.reports());
  }

  async flush(): Promise<void> {
    await this.writing;
  }

  async close(reports: readonly ExecutionReport[]): Promise<void> {
    this.schedule(reports);
    await this.writing;
  }

  private schedule(reports: readonly ExecutionReport[]): void {
    // Render now (the reports change as the execution goes on); write in order.
    let text: string;
    try {
      text = this.render(reports);
    } catch (error: unknown) {
      this.deps.log.error(`could not render the ${this.what}: ${(error as Error).message}`);
      return;
    }
    this.writing = this.writing.then(() =>
      writeFileAtomic(this.file, text).catch((error: unknown) => {
        // How the run ended decides the exit code, not the bookkeeping after it.
        this.deps.log.error(`could not write the ${this.what} ${this.file}: ${(error as Error).message}`);
      }),
    );
  }
}
