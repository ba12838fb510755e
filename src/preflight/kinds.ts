/**
 * What each kind of Task needs before it can run: the resources its resolved
 * parameters name, and the IAM actions the state machine's role needs on
 * them (from AWS's "IAM policies for integrated services": Glue, Batch,
 * Lambda, SNS, EventBridge, DynamoDB; serverless-step-functions'
 * iamStrategies are the same lists). One entry per integration: adding a kind
 * adds an entry. (To move into src/tasks/ once the task-kind registry lands,
 * each kind bringing its own entry.)
 */

import type { ResourceKind } from "../execution/preflight.js";
import type { Integration } from "./definition.js";
import { stringAt, Unresolvable } from "./resolve.js";

export interface Where {
  partition: string;
  region: string;
  account: string;
}

export interface KindNeeds {
  resources: Array<{ kind: ResourceKind; id: string; field: string }>;
  /** Fields whose value cannot be known before the run: `JobQueue` -> `$$.Execution.Input.q`. */
  unresolved: Array<{ field: string; expression: string }>;
  /** Actions the role needs on each resource ARN (`*` where the service has no resource-level control). */
  permissions: Array<{ resource: string; actions: string[] }>;
}

export interface TaskKindPreflight {
  /** `glue:startJobRun`: the integration's service and action. */
  matches(integration: Integration): boolean;
  needs(params: unknown, integration: Integration, where: Where, taskResource: string): KindNeeds;
}

const arn = (w: Where, service: string, resource: string, region = w.region) =>
  `arn:${w.partition}:${service}:${region}:${w.account}:${resource}`;

/** A field's value, or where it was unresolvable; absent fields are neither. */
function field(needs: KindNeeds, params: unknown, path: Array<string | number>): string | undefined {
  const value = stringAt(params, path);
  if (value instanceof Unresolvable) {
    needs.unresolved.push({ field: path.join("."), expression: value.expression });
    return undefined;
  }
  return value;
}

const empty = (): KindNeeds => ({ resources: [], unresolved: [], permissions: [] });

const glue: TaskKindPreflight = {
  matches: (i) => i.service === "glue" && i.action === "startJobRun" && !i.sdk,
  needs(params, integration, w) {
    const needs = empty();
    const job = field(needs, params, ["JobName"]);
    if (job) {
      needs.resources.push({ kind: "glue-job", id: job, field: "JobName" });
      needs.permissions.push({
        resource: arn(w, "glue", `job/${job}`),
        actions:
          integration.pattern === "sync"
            ? ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
            : ["glue:StartJobRun"],
      });
    }
    return needs;
  },
};

/** Batch's .sync integration manages one EventBridge rule per account and region. */
const BATCH_RULE = "rule/StepFunctionsGetEventsForBatchJobsRule";

const batch: TaskKindPreflight = {
  matches: (i) => i.service === "batch" && i.action === "submitJob" && !i.sdk,
  needs(params, integration, w) {
    const needs = empty();
    const queue = field(needs, params, ["JobQueue"]);
    const definition = field(needs, params, ["JobDefinition"]);
    const submitOn: string[] = [];
    if (queue) {
      needs.resources.push({ kind: "batch-job-queue", id: queue, field: "JobQueue" });
      submitOn.push(queue.startsWith("arn:") ? queue : arn(w, "batch", `job-queue/${queue}`));
    }
    if (definition) {
      needs.resources.push({ kind: "batch-job-definition", id: definition, field: "JobDefinition" });
      submitOn.push(
        definition.startsWith("arn:") ? definition : arn(w, "batch", `job-definition/${definition}`),
      );
    }
    for (const resource of submitOn) needs.permissions.push({ resource, actions: ["batch:SubmitJob"] });
    if (integration.pattern === "sync") {
      needs.permissions.push({ resource: "*", actions: ["batch:DescribeJobs", "batch:TerminateJob"] });
      needs.permissions.push({
        resource: arn(w, "events", BATCH_RULE),
        actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
      });
    }
    return needs;
  },
};

const lambda: TaskKindPreflight = {
  matches: (i) => i.service === "lambda" && i.action === "invoke" && !i.sdk,
  needs(params, _integration, w, taskResource) {
    const needs = empty();
    // The legacy form names the function as the Task's Resource itself.
    const name = taskResource.includes(":function:") ? taskResource : field(needs, params, ["FunctionName"]);
    if (name) {
      needs.resources.push({ kind: "lambda-function", id: name, field: "FunctionName" });
      const functionArn = name.startsWith("arn:") ? name : arn(w, "lambda", `function:${name}`);
      needs.permissions.push({ resource: functionArn, actions: ["lambda:InvokeFunction"] });
    }
    return needs;
  },
};

const sns: TaskKindPreflight = {
  matches: (i) => i.service === "sns" && i.action === "publish" && !i.sdk,
  needs(params) {
    const needs = empty();
    const topic = field(needs, params, ["TopicArn"]);
    if (topic) {
      needs.resources.push({ kind: "sns-topic", id: topic, field: "TopicArn" });
      needs.permissions.push({ resource: topic, actions: ["sns:Publish"] });
    }
    return needs;
  },
};

const events: TaskKindPreflight = {
  matches: (i) => i.service === "events" && i.action === "putEvents" && !i.sdk,
  needs(params, _integration, w) {
    const needs = empty();
    const raw = (params as { Entries?: unknown } | undefined)?.Entries;
    if (raw instanceof Unresolvable) {
      needs.unresolved.push({ field: "Entries", expression: raw.expression });
      return needs;
    }
    (Array.isArray(raw) ? raw : []).forEach((_, i) => {
      // An entry without EventBusName goes to the account's default bus.
      const path = ["Entries", i, "EventBusName"];
      const bus = stringAt(params, path) === undefined ? "default" : field(needs, params, path);
      if (!bus) return;
      needs.resources.push({ kind: "event-bus", id: bus, field: path.join(".") });
      const busArn = bus.startsWith("arn:") ? bus : arn(w, "events", `event-bus/${bus}`);
      needs.permissions.push({ resource: busArn, actions: ["events:PutEvents"] });
    });
    return needs;
  },
};

const DYNAMODB_ACTIONS: Record<string, string> = {
  getItem: "dynamodb:GetItem",
  putItem: "dynamodb:PutItem",
  updateItem: "dynamodb:UpdateItem",
  deleteItem: "dynamodb:DeleteItem",
};

const dynamodb: TaskKindPreflight = {
  matches: (i) => i.service === "dynamodb" && i.action in DYNAMODB_ACTIONS && !i.sdk,
  needs(params, integration, w) {
    const needs = empty();
    const table = field(needs, params, ["TableName"]);
    if (table) {
      needs.resources.push({ kind: "dynamodb-table", id: table, field: "TableName" });
      const tableArn = table.startsWith("arn:") ? table : arn(w, "dynamodb", `table/${table}`);
      needs.permissions.push({ resource: tableArn, actions: [DYNAMODB_ACTIONS[integration.action] ?? ""] });
    }
    return needs;
  },
};

/** Every kind preflight knows; a Task of any other integration is said to be not checked. */
export const TASK_KINDS: readonly TaskKindPreflight[] = [glue, batch, lambda, sns, events, dynamodb];
