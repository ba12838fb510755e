import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { seedTaskLog } from "./fake-aws/index.js";
import { SECRET_KEY, SSM_PATH } from "./fake-aws/seed.js";
import { glueCauseFor, pipelineFailsAt, pipelineStates } from "./fake-aws/sfn-scenarios.js";
import { nextBuildTag, runFast, useFastWorld } from "./helpers/fast-world.js";
import { leakForms, leaks } from "./helpers/leaks.js";
import { seedSsm, seedWorkspace } from "./helpers/seed.js";

// Leaks a hostile review found after v2's first cut, one test each: every one
// came from text cut or quoted before it was masked.
const world = useFastWorld();
const MINUTES = { glueMs: 60_000, batchMs: 120_000 };
const SEED_SECRET = seedSsm()[SECRET_KEY] as string;

let machineAdded = false;
function machine(): void {
  if (machineAdded) return;
  world.sfn.addStateMachine({
    name: "batch-inference-DCP",
    script: { states: pipelineStates(MINUTES), outcome: "SUCCEEDED" },
  });
  machineAdded = true;
}

/** The result file, JUnit and HTML report in `cwd`, and the flags that ask for them. */
function reportFiles(cwd: string): { files: string[]; flags: string[] } {
  const files = ["r.json", "r.xml", "r.html"].map((name) => join(cwd, name));
  const [result, junit, html] = files as [string, string, string];
  return { files, flags: ["--result-file", result, "--junit", junit, "--report-html", html] };
}

/** `render` against the live SSM fake, in a seeded workspace. */
function render(args: string[]) {
  const cwd = seedWorkspace();
  return runFast(
    world,
    [
      "render",
      "--ssm-path",
      SSM_PATH,
      "--date",
      "2023-10-14",
      "--tfvars",
      join(cwd, "tfvars.json"),
      "--repo-dir",
      cwd,
      ...args,
    ],
    { cwd },
  );
}

describe("secrets cut or quoted before masking", () => {
  it("a multi-line SecureString a task prints is masked line by line: each log event is one of its lines (review)", async () => {
    machine();
    const secret = `Qa"b\\c%&/\r\nd%e&f/g é日本😀 h'<>+ zW\n  -----END KEY-----`;
    world.ssm.putParameter({ name: `${SSM_PATH}db_password`, value: secret, type: "SecureString" });
    world.sfn.queueScript(
      world.stateMachineArn,
      pipelineFailsAt(
        { state: "PrepareFeatures", error: "States.TaskFailed", cause: "", causeFor: glueCauseFor("boom") },
        MINUTES,
      ),
    );
    world.onSleep = () => {
      const execution = world.sfn.executions().at(-1);
      if (!execution || world.fake.callsTo("GetExecutionHistory").length < 1) return;
      world.onSleep = undefined;
      // CloudWatch Logs keeps one event a line: the secret arrives cut at its line breaks.
      seedTaskLog(world.logs, world.sfn, execution.executionArn, "PrepareFeatures", {
        lines: secret.split(/\r?\n/).map((line) => `key ${line}`),
      });
    };
    const cwd = seedWorkspace();
    const { files, flags } = reportFiles(cwd);
    const result = await runFast(world, ["run", "--follow-logs", "--output", "json", ...flags], { cwd });
    expect(result.code, result.stderr).toBe(1);
    const outputs = [result.stderr, result.stdout, ...files.map((file) => readFileSync(file, "utf8"))];
    for (const output of outputs) {
      for (const line of secret.split(/\r?\n/)) expect(output).not.toContain(line.trim());
      expect(leaks(output, secret)).toEqual([]);
    }
    expect(result.stderr).toContain("key ****");
  });

  it("a SecureString longer than the 200-character quote, inside another key's --set value, is masked before the cut", async () => {
    const secret = `${"zq".repeat(60)}_${"k".repeat(120)}`;
    world.ssm.putParameter({ name: `${SSM_PATH}db_password`, value: secret, type: "SecureString" });
    const result = await render(["--explain", "--set", `dq_table=${"a".repeat(100)}${secret}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("****");
    expect(result.stderr).not.toContain("zqzqzqzqzq");
  });

  it("a SecureString with a quote, U+2028 and a non-ASCII letter, quoted in a message", async () => {
    const secret = 'pa"ss\u2028wé';
    world.ssm.putParameter({ name: `${SSM_PATH}db_password`, value: secret, type: "SecureString" });
    for (const format of ["text", "json"]) {
      const result = await render(["--log-format", format, "--set", `dq_table=${secret}`]);
      expect(result.code).toBe(2);
      expect(result.stderr).not.toContain('pa\\"ss');
      expect(result.stderr).not.toContain('pa"ss');
    }
  });

  it("a SecureString cut by the one-line summary of a failed attempt, and a URL's credentials in a log line", async () => {
    machine();
    world.sfn.queueScript(
      world.stateMachineArn,
      pipelineFailsAt(
        {
          state: "PrepareFeatures",
          error: "States.TaskFailed",
          cause: "",
          causeFor: glueCauseFor(`${"x".repeat(21)} ${SEED_SECRET} tail`),
        },
        {
          ...MINUTES,
          retries: {
            PrepareFeatures: [
              {
                error: "States.TaskFailed",
                cause: "",
                causeFor: glueCauseFor(`${"x".repeat(24)} ${SEED_SECRET} tail`),
                durationMs: 30_000,
              },
            ],
          },
        },
      ),
    );
    world.onSleep = () => {
      const execution = world.sfn.executions().at(-1);
      if (!execution) return;
      world.onSleep = undefined;
      seedTaskLog(world.logs, world.sfn, execution.executionArn, "PrepareFeatures", {
        lines: ["url https://user:LOGTOKEN99@github.com/x?token=QTOKEN123 end"],
      });
    };
    const cwd = seedWorkspace();
    const result = await runFast(world, ["run", "--follow-logs", "--result-file", join(cwd, "r.json")], {
      cwd,
    });
    expect(result.code).toBe(1);
    const outputs = result.stderr + readFileSync(join(cwd, "r.json"), "utf8");
    for (const partial of [SEED_SECRET, SEED_SECRET.slice(0, 10), SEED_SECRET.slice(0, 13)]) {
      expect(outputs).not.toContain(partial);
    }
    expect(leaks(outputs, SEED_SECRET)).toEqual([]);
    expect(outputs).not.toContain("LOGTOKEN99");
    expect(outputs).not.toContain("QTOKEN123");
    expect(result.stderr).not.toMatch(/AbortError/);
  });

  it("a URL's credentials in an AWS failure cause reach no output: log, result, JUnit, HTML", async () => {
    machine();
    world.sfn.queueScript(
      world.stateMachineArn,
      pipelineFailsAt(
        {
          state: "PrepareFeatures",
          error: "States.TaskFailed",
          cause: "",
          causeFor: glueCauseFor(
            "could not read https://u:CAUSEPW77@x.example/data?token=CAUSETOKEN88 (403)",
          ),
        },
        MINUTES,
      ),
    );
    const cwd = seedWorkspace();
    const { files, flags } = reportFiles(cwd);
    const result = await runFast(world, ["run", "--output", "json", ...flags], { cwd });
    expect(result.code).toBe(1);
    const outputs = [result.stderr, result.stdout, ...files.map((file) => readFileSync(file, "utf8"))].join(
      "\n",
    );
    expect(outputs).toContain("x.example/data");
    expect(outputs).not.toContain("CAUSEPW77");
    expect(outputs).not.toContain("CAUSETOKEN88");
  });

  it("issue 15: a SecureString the Glue job prints through urllib.parse.quote (keeps /) or in JSON with \\/ reaches no output", async () => {
    machine();
    const secret = "Tk/9x+Zq pa&ss/42";
    const quoted = "Tk/9x%2BZq%20pa%26ss/42"; // urllib.parse.quote(secret)
    const jsonSlash = "Tk\\/9x+Zq pa&ss\\/42"; // json_encode (PHP) or a Java JSON writer: `/` escaped
    const html = "Tk&#x2F;9x&#43;Zq pa&amp;ss&sol;42";
    world.ssm.putParameter({ name: `${SSM_PATH}db_password`, value: secret, type: "SecureString" });
    const cwd = seedWorkspace();
    const { files, flags } = reportFiles(cwd);
    for (const format of ["text", "json"]) {
      world.sfn.queueScript(
        world.stateMachineArn,
        pipelineFailsAt(
          {
            state: "PrepareFeatures",
            error: "States.TaskFailed",
            cause: "",
            causeFor: glueCauseFor(
              `GET https://api.example/v1?pw=${quoted} failed; body {"pw":"${jsonSlash}"}`,
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
          lines: [`quote ${quoted}`, `json {"password": "${jsonSlash}"}`, `html <td>${html}</td>`],
        });
      };
      const result = await runFast(
        world,
        ["run", "--follow-logs", "--log-format", format, "--output", "json", ...flags],
        { cwd },
      );
      expect(result.code, result.stderr).toBe(1);
      const outputs = [result.stderr, result.stdout, ...files.map((file) => readFileSync(file, "utf8"))];
      for (const output of outputs) {
        for (const form of [quoted, jsonSlash, html, ...leakForms(secret)])
          expect(output).not.toContain(form);
        // The first characters name no secret: the whole occurrence went, not its tail.
        expect(output).not.toContain("Tk/9x");
        expect(output).not.toContain("Tk\\/9x");
      }
      // The lines were printed (masked): the test saw them.
      expect(result.stderr).toContain("quote ****");
    }
  });
});

describe("issue 15: a rerun whose input differs", () => {
  it("shows the existing execution's value only for keys this run does not take from SSM: others **** with their length", async () => {
    machine();
    const earlier = "JobNameWasSecure-7";
    const cwd = seedWorkspace();
    const buildTag = nextBuildTag();
    world.ssm.putParameter({ name: `${SSM_PATH}${SECRET_KEY}`, value: earlier, type: "SecureString" });
    const first = await runFast(world, ["run", "--no-wait"], { cwd, buildTag });
    expect(first.code, first.stderr).toBe(0);
    // Since then the parameter became a plain String: this run cannot know the earlier value was secret.
    world.ssm.putParameter({ name: `${SSM_PATH}${SECRET_KEY}`, value: "job-name-now", type: "String" });
    const rerun = await runFast(world, ["run", "--no-wait", "--set", "dq_table=other_table"], {
      cwd,
      buildTag,
    });
    expect(rerun.code).toBe(2);
    expect(rerun.stderr).toContain(
      `${SECRET_KEY}: the existing execution has **** (${earlier.length} characters), this run has "job-name-now"`,
    );
    // A key this run takes from --set: both values shown.
    expect(rerun.stderr).toContain(
      'dq_table: the existing execution has "dqresults", this run has "other_table"',
    );
    expect(leaks(rerun.stderr + rerun.stdout, earlier)).toEqual([]);
    world.ssm.putParameter({ name: `${SSM_PATH}${SECRET_KEY}`, value: SEED_SECRET, type: "SecureString" });
  });
});
