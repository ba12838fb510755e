import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import type { Attempt, StateRun } from "../src/execution/model.js";
import { failureBlockLines } from "../src/failure/failure-block.js";
import { taskFailureOf } from "../src/failure/task-failure.js";
import { executionViews } from "../src/report/view.js";
import { Secrets } from "../src/secrets/secrets.js";
import type { TaskKind } from "../src/tasks/kind.js";
import { defineKinds, kindOfResource, TASK_KINDS } from "../src/tasks/registry.js";

const SRC = new URL("../src/", import.meta.url).pathname;

/** A kind's name as a word: "glue", "Batch", "LAMBDA", in any case, at word boundaries. */
function kindNamePattern(): RegExp {
  return new RegExp(`\\b(${TASK_KINDS.map((kind) => kind.id).join("|")})\\b`, "i");
}

/**
 * String literals outside src/tasks/ that may hold a kind's name, and why.
 * Module specifiers (import/export ... from "...") are not checked: the AWS
 * boundary imports each service's SDK client by its package name.
 */
const ALLOWED: Array<{ file: string; text: RegExp; why: string }> = [
  {
    file: "program.ts",
    text: /batch-inference/,
    why: "the product's name ('ML batch inference'), not the Batch task kind",
  },
  {
    file: "plan/plan.ts",
    text: /^batch$/,
    why: "the execution name's default use case (use_case_name), not the task kind",
  },
  {
    file: "validate/checks.ts",
    text: /AWS Batch|Batch needs|Batch step would fail/,
    why: "the input's own keys name Batch resources (aws_batch_job_queue...): the payload's meaning, checked before anything runs",
  },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** Every string literal and template text of a file, but module specifiers, with its line. */
function literalsOf(path: string): Array<{ text: string; line: number }> {
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ES2022, true);
  const found: Array<{ text: string; line: number }> = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined
    ) {
      return;
    }
    if (ts.isImportTypeNode(node)) return;
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      found.push({ text: node.text, line });
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) return;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("task kinds live in src/tasks/ alone", () => {
  it("no module outside src/tasks/ holds a kind's name in a string literal", () => {
    const pattern = kindNamePattern();
    const offending: string[] = [];
    for (const path of sourceFiles(SRC)) {
      const file = relative(SRC, path);
      if (file.startsWith("tasks/") || file.startsWith("generated/")) continue;
      for (const { text, line } of literalsOf(path)) {
        if (!pattern.test(text)) continue;
        if (ALLOWED.some((allowed) => allowed.file === file && allowed.text.test(text))) continue;
        offending.push(`src/${file}:${line}: ${JSON.stringify(text)}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it("the scan sees literals: a kind's name in a template or a string is found", () => {
    const pattern = kindNamePattern();
    const probe = join(SRC, "tasks", "registry.ts");
    expect(literalsOf(probe).some(({ text }) => pattern.test(text))).toBe(false);
    const inKinds = sourceFiles(join(SRC, "tasks")).flatMap((path) => literalsOf(path));
    for (const kind of TASK_KINDS) {
      expect(inKinds.some(({ text }) => text.includes(kind.labels.step))).toBe(true);
    }
  });

  it("each kind has its own id and labels", () => {
    const ids = TASK_KINDS.map((kind) => kind.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const kind of TASK_KINDS) {
      expect(kind.labels.step).toMatch(/\S/);
      expect(kind.labels.task).toMatch(/\S/);
      expect(kind.labels.failureTitle).toMatch(/^The failed /);
    }
  });
});

describe("the registry's type check", () => {
  it("rejects a kind that does not implement TaskKind (checked by tsc)", () => {
    const [first] = TASK_KINDS;
    const incomplete = { id: "ecs", labels: { step: "ECS task", task: "ECS task", failureTitle: "x" } };
    // @ts-expect-error a kind without matches, scheduled, parseCause, describeFailure, follow...
    defineKinds([first as TaskKind, incomplete]);
    const { follow: _, ...withoutFollow } = first as TaskKind;
    // @ts-expect-error one member missing is enough
    defineKinds([withoutFollow]);
    expect(defineKinds(TASK_KINDS)).toBe(TASK_KINDS);
  });
});

describe("resources", () => {
  it("matches each integration pattern of the known kinds, and nothing else", () => {
    const cases: Array<[string, string | undefined]> = [
      ["arn:aws:states:::glue:startJobRun", "glue"],
      ["arn:aws:states:::glue:startJobRun.sync", "glue"],
      ["arn:aws-cn:states:::glue:startJobRun.sync:2", "glue"],
      ["arn:aws:states:::batch:submitJob", "batch"],
      ["arn:aws:states:::batch:submitJob.sync", "batch"],
      ["arn:aws-us-gov:states:::batch:submitJob.waitForTaskToken", "batch"],
      ["arn:aws:states:::glue:getJobRun", undefined],
      ["arn:aws:states:::aws-sdk:batch:describeJobs", undefined],
      ["arn:aws:states:::ecs:runTask.sync", undefined],
      ["arn:aws:states:::sns:publish", undefined],
      ["arn:aws:states:eu-west-1:123456789012:activity:glue", undefined],
    ];
    for (const [resource, kind] of cases) expect(kindOfResource(resource)?.id, resource).toBe(kind);
  });

  it("an unknown integration is a generic task: no task details, never another kind's words", () => {
    const attempt: Attempt = {
      number: 1,
      startedAt: 0,
      endedAt: 1_000,
      status: "failed",
      error: "ECS.AmazonECSException",
      cause: JSON.stringify({
        JobId: "looks-like-batch",
        Status: "FAILED",
        JobRunState: "FAILED",
        Id: "jr_1",
      }),
    };
    const run: StateRun = {
      name: "RunContainer",
      kind: "Task",
      resource: "arn:aws:states:::ecs:runTask.sync",
      enteredAt: 0,
      exitedAt: 1_000,
      status: "failed",
      attempts: [attempt],
    };
    expect(taskFailureOf(run, attempt, "eu-west-1")).toBeUndefined();
    const [view] = executionViews(
      [
        {
          status: "FAILED",
          states: [run],
          outcome: { kind: "ended", status: "FAILED" },
          failure: { state: run.name, error: attempt.error as string, cause: attempt.cause as string },
        },
      ],
      { secrets: new Secrets(), now: 1_000 },
    );
    const words = JSON.stringify(view?.steps);
    for (const kind of TASK_KINDS) expect(words).not.toContain(kind.labels.step);
    expect(view?.failure?.task).toBeUndefined();
  });

  it("a stored failure of a kind this build does not know still prints its id", () => {
    expect(failureBlockLines({ kind: "ecs", id: "t-1", links: [], warnings: [] })[0]).toBe("ecs task t-1");
  });
});
