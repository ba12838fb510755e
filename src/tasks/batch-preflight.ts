import type { PreflightCalls } from "../aws/preflight-calls.js";
import type { KindPreflight, Verdict } from "../execution/preflight.js";
import { arnIn, neededField, noNeeds } from "../execution/task-parameters.js";

/** Batch's `.sync` integration manages one EventBridge rule per account and region. */
const SYNC_RULE = "rule/StepFunctionsGetEventsForBatchJobsRule";

const nameAfter = (marker: string) => (id: string) =>
  id.replace(new RegExp(`^arn:[^:]+:batch:[^:]*:\\d*:${marker}/`), "");
const queueName = nameAfter("job-queue");
const definitionName = nameAfter("job-definition");

/**
 * AWS Batch before a run: the job queue is ENABLED and VALID with at least one
 * compute environment in its order that can run jobs (ENABLED, VALID, and a
 * managed one with maxvCpus > 0: otherwise a job waits RUNNABLE forever); the
 * job definition revision asked for is ACTIVE; the state machine's role may
 * submit to them, and for `.sync` describe and terminate jobs and manage the
 * integration's EventBridge rule (AWS's policy for the integration).
 */
export const batchPreflight: KindPreflight<PreflightCalls> = {
  needs(params, integration, where) {
    const needs = noNeeds();
    const queue = neededField(needs, params, ["JobQueue"]);
    const definition = neededField(needs, params, ["JobDefinition"]);
    if (queue) {
      needs.resources.push({ kind: "batch-job-queue", id: queue, field: "JobQueue" });
      const resource = queue.startsWith("arn:") ? queue : arnIn(where, "batch", `job-queue/${queue}`);
      needs.permissions.push({ resource, actions: ["batch:SubmitJob"] });
    }
    if (definition) {
      const resource = definition.startsWith("arn:")
        ? definition
        : arnIn(where, "batch", `job-definition/${definition}`);
      // NAME:REVISION is asked for by its ARN (the API takes both; emulators such as moto only the ARN).
      const id = /:\d+$/.test(definition) ? resource : definition;
      needs.resources.push({ kind: "batch-job-definition", id, field: "JobDefinition" });
      needs.permissions.push({ resource, actions: ["batch:SubmitJob"] });
    }
    if (integration.pattern === "sync") {
      needs.permissions.push({ resource: "*", actions: ["batch:DescribeJobs", "batch:TerminateJob"] });
      needs.permissions.push({
        resource: arnIn(where, "events", SYNC_RULE),
        actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
      });
    }
    return needs;
  },
  checks: {
    "batch-job-queue": {
      label: "Batch job queue",
      permission: "batch:DescribeJobQueues",
      canonical: queueName,
      check: (id, { calls }) => checkQueue(id, calls),
    },
    "batch-job-definition": {
      label: "Batch job definition",
      permission: "batch:DescribeJobDefinitions",
      canonical: definitionName,
      check: (id, { calls }) => checkDefinition(id, calls),
    },
  },
  inputResources: [
    ["aws_batch_job_queue", "batch-job-queue"],
    ["aws_batch_job_definition_arn", "batch-job-definition"],
  ],
};

async function checkQueue(id: string, calls: PreflightCalls): Promise<Verdict> {
  const { jobQueues = [] } = await calls.batch.describeJobQueues([id]);
  const queue = jobQueues[0];
  const fixKey = "create the job queue, or fix aws_batch_job_queue";
  if (!queue) return { outcome: "failed", message: "does not exist", fix: fixKey };
  if (queue.state !== "ENABLED") {
    return {
      outcome: "failed",
      message: `is ${queue.state}: jobs would wait RUNNABLE forever`,
      fix: "enable the job queue (aws batch update-job-queue --state ENABLED)",
    };
  }
  if (queue.status === "INVALID") {
    return {
      outcome: "failed",
      message: `is INVALID${queue.statusReason ? ` (${queue.statusReason})` : ""}`,
      fix: "fix the job queue's configuration",
    };
  }
  const order = (queue.computeEnvironmentOrder ?? []).map((entry) => entry.computeEnvironment ?? "");
  if (order.length === 0) {
    return {
      outcome: "failed",
      message: "has no compute environment",
      fix: "attach a compute environment to it",
    };
  }
  const { computeEnvironments = [] } = await calls.batch.describeComputeEnvironments(order);
  const problems = order.flatMap((arn) => {
    const ce = computeEnvironments.find(
      (c) => c.computeEnvironmentArn === arn || c.computeEnvironmentName === arn,
    );
    const name = arn.replace(/^.*compute-environment\//, "");
    if (!ce) return [`${name} does not exist`];
    if (ce.state !== "ENABLED") return [`${name} is ${ce.state}`];
    if (ce.status !== "VALID")
      return [`${name} is ${ce.status}${ce.statusReason ? ` (${ce.statusReason})` : ""}`];
    // A managed environment capped at 0 vCPUs never starts an instance; an unmanaged one has no such cap.
    if (ce.type !== "UNMANAGED" && (ce.computeResources?.maxvCpus ?? 0) <= 0)
      return [`${name} has maxvCpus 0`];
    return [];
  });
  const status = queue.status === "VALID" ? "ENABLED and VALID" : `ENABLED, ${queue.status}`;
  if (problems.length === order.length) {
    return {
      outcome: "failed",
      message: `is ${status} but no compute environment can run its jobs (${problems.join("; ")})`,
      fix: "enable the compute environment, make it VALID, or raise its maxvCpus",
    };
  }
  if (problems.length > 0 || queue.status !== "VALID") {
    return {
      outcome: "warning",
      message: `is ${status}; ${order.length - problems.length} of ${order.length} compute environments can run jobs${problems.length ? ` (${problems.join("; ")})` : ""}`,
      fix: "check the job queue's compute environments",
    };
  }
  const environments = `${order.length} compute ${order.length === 1 ? "environment" : "environments"}`;
  return { outcome: "ok", message: `is ${status}, ${environments} ENABLED and VALID` };
}

async function checkDefinition(id: string, calls: PreflightCalls): Promise<Verdict> {
  const name = definitionName(id);
  const revision = /:(\d+)$/.exec(name)?.[1];
  const fix = "register the job definition, or fix aws_batch_job_definition_arn";
  // NAME:REVISION (or its ARN) names one revision; a bare NAME means its latest ACTIVE one.
  const { jobDefinitions = [] } = await calls.batch.describeJobDefinitions(
    revision ? { jobDefinitions: [id] } : { jobDefinitionName: name, status: "ACTIVE" },
  );
  if (!revision) {
    return jobDefinitions.length > 0
      ? {
          outcome: "ok",
          message: `has ACTIVE revision ${Math.max(...jobDefinitions.map((d) => d.revision ?? 0))}`,
        }
      : { outcome: "failed", message: "has no ACTIVE revision", fix };
  }
  const found = jobDefinitions.find((d) => String(d.revision) === revision);
  if (!found) return { outcome: "failed", message: `revision ${revision} does not exist`, fix };
  if (found.status !== "ACTIVE") {
    return {
      outcome: "failed",
      message: `revision ${revision} is ${found.status} (deregistered)`,
      fix: "point aws_batch_job_definition_arn at an ACTIVE revision, or register it again",
    };
  }
  return { outcome: "ok", message: `revision ${revision} is ACTIVE` };
}
