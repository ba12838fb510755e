import type { PreflightCalls } from "../aws/preflight-calls.js";
import type { KindPreflight, Verdict } from "../execution/preflight.js";
import { arnIn, neededField, noNeeds } from "../execution/task-parameters.js";
import { isNotFound } from "./preflight-verdicts.js";

/**
 * Glue before a run: the job a Task starts exists (glue:GetJob), the Data
 * Catalog databases the input names exist (glue:GetDatabase), and the state
 * machine's role may start, poll and stop the job's runs (AWS's policy for
 * the `.sync` integration: StartJobRun, GetJobRun, GetJobRuns, BatchStopJobRun).
 */
export const gluePreflight: KindPreflight<PreflightCalls> = {
  needs(params, integration, where) {
    const needs = noNeeds();
    const job = neededField(needs, params, ["JobName"]);
    if (job) {
      needs.resources.push({ kind: "glue-job", id: job, field: "JobName" });
      needs.permissions.push({
        resource: arnIn(where, "glue", `job/${job}`),
        actions:
          integration.pattern === "sync"
            ? ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
            : ["glue:StartJobRun"],
      });
    }
    return needs;
  },
  checks: {
    "glue-job": {
      label: "Glue job",
      permission: "glue:GetJob",
      async check(name, { calls }): Promise<Verdict> {
        try {
          await calls.glue.getJob(name);
          return { outcome: "ok", message: "exists" };
        } catch (error) {
          if (!isNotFound(error, "EntityNotFoundException")) throw error;
          return {
            outcome: "failed",
            message: "does not exist",
            fix: "create the Glue job (Terraform), or fix the JobName the state machine passes",
          };
        }
      },
    },
    "glue-database": {
      label: "Glue database",
      permission: "glue:GetDatabase",
      async check(name, { calls }): Promise<Verdict> {
        try {
          await calls.glue.getDatabase(name);
          return { outcome: "ok", message: "exists" };
        } catch (error) {
          if (!isNotFound(error, "EntityNotFoundException")) throw error;
          return {
            outcome: "failed",
            message: "does not exist in the Glue Data Catalog",
            fix: "create the database, or fix the input key that names it",
          };
        }
      },
    },
  },
  // The pipeline's Athena tables live in these Data Catalog databases.
  inputResources: [
    ["athenadb_name", "glue-database"],
    ["dq_athena_db", "glue-database"],
  ],
};
