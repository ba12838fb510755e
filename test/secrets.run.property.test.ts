import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seedTaskLog } from "./fake-aws/index.js";
import { SECRET_KEY, SSM_PATH } from "./fake-aws/seed.js";
import { glueCauseFor, pipelineFailsAt, pipelineStates } from "./fake-aws/sfn-scenarios.js";
import { nextBuildTag, runFast, useFastWorld } from "./helpers/fast-world.js";
import { leaks } from "./helpers/leaks.js";
import { seedWorkspace } from "./helpers/seed.js";

/**
 * The run path's outputs never show a SecureString: a generated secret is the
 * SSM SecureString behind aws_batch_job_name, and the failing Glue job echoes
 * it (raw and JSON-escaped) in its error message and its log lines. Whatever
 * the secret, no form of it reaches stderr (text or JSON lines), stdout, the
 * result file, JUnit or HTML, nor the "keys that differ" message of a rerun.
 */
const world = useFastWorld();
const RUNS = 12;
const MINUTES = { glueMs: 60_000, batchMs: 120_000 };
// aws_batch_job_name's own rule: the run must get as far as the failure.
const jobName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{3,40}$/);

describe("run never prints a SecureString, wherever the pipeline echoes it", () => {
  it("log (text and json), stdout, result file, JUnit, HTML, the rerun's diff", async () => {
    world.sfn.addStateMachine({
      name: "batch-inference-DCP",
      script: { states: pipelineStates(MINUTES), outcome: "SUCCEEDED" },
    });
    await fc.assert(
      fc.asyncProperty(
        jobName,
        jobName,
        fc.constantFrom("text" as const, "json" as const),
        async (secret, rotated, format) => {
          fc.pre(rotated !== secret && !rotated.includes(secret) && !secret.includes(rotated));
          world.ssm.putParameter({ name: `${SSM_PATH}${SECRET_KEY}`, value: secret, type: "SecureString" });
          world.sfn.queueScript(
            world.stateMachineArn,
            pipelineFailsAt(
              {
                state: "PrepareFeatures",
                error: "States.TaskFailed",
                cause: "",
                causeFor: glueCauseFor(
                  `job ${secret} failed; input {"aws_batch_job_name":${JSON.stringify(secret)}}`,
                ),
              },
              MINUTES,
            ),
          );
          world.onSleep = () => {
            const execution = world.sfn.executions().at(-1);
            if (!execution || world.fake.callsTo("GetExecutionHistory").length < 1) return;
            world.onSleep = undefined;
            seedTaskLog(world.logs, world.sfn, execution.executionArn, "PrepareFeatures", {
              lines: [
                `starting ${secret}`,
                `params ${JSON.stringify({ name: secret })}`,
                `url ?job=${encodeURIComponent(secret)}`,
              ],
            });
          };
          const cwd = seedWorkspace();
          const buildTag = nextBuildTag();
          const files = (name: string) => join(cwd, name);
          const args = [
            "run",
            "--log-format",
            format,
            "--output",
            "json",
            "--result-file",
            files("result.json"),
            "--junit",
            files("run.xml"),
            "--report-html",
            files("run.html"),
          ];
          const failed = await runFast(world, args, { cwd, buildTag });
          expect(failed.code, failed.stderr).toBe(1);
          const outputs = [
            failed.stderr,
            failed.stdout,
            ...["result.json", "run.xml", "run.html"].map((name) => readFileSync(files(name), "utf8")),
          ];
          for (const output of outputs) expect(leaks(output, secret)).toEqual([]);
          // The tail was shown (masked), so the test saw the echoing lines.
          expect(failed.stderr).toContain("starting ****");

          // The SecureString rotated since: the earlier execution's value is known only from its input,
          // yet it is still the value of a secret key, so it is masked by key.
          world.ssm.putParameter({ name: `${SSM_PATH}${SECRET_KEY}`, value: rotated, type: "SecureString" });
          const rerun = await runFast(world, [...args, "--set", "dq_table=other_table"], { cwd, buildTag });
          expect(rerun.code).toBe(2);
          expect(rerun.stderr).toMatch(/different input \(aws_batch_job_name, dq_table\)/);
          expect(leaks(rerun.stderr + rerun.stdout, secret)).toEqual([]);
          expect(leaks(rerun.stderr + rerun.stdout, rotated)).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
