import type { PreflightCalls } from "../aws/preflight-calls.js";
import type { KindPreflight, Verdict } from "../execution/preflight.js";
import { arnIn, neededField, noNeeds } from "../execution/task-parameters.js";
import { isNotFound } from "./preflight-verdicts.js";

/**
 * Lambda before a run: the function a Task invokes exists and is not in state
 * Failed (lambda:GetFunction), and the state machine's role may invoke it
 * (lambda:InvokeFunction, AWS's policy for the integration).
 */
export const lambdaPreflight: KindPreflight<PreflightCalls> = {
  needs(params, _integration, where, taskResource) {
    const needs = noNeeds();
    // The legacy form names the function as the Task's Resource itself.
    const name = taskResource.includes(":function:")
      ? taskResource
      : neededField(needs, params, ["FunctionName"]);
    if (name) {
      needs.resources.push({ kind: "lambda-function", id: name, field: "FunctionName" });
      const functionArn = name.startsWith("arn:") ? name : arnIn(where, "lambda", `function:${name}`);
      needs.permissions.push({ resource: functionArn, actions: ["lambda:InvokeFunction"] });
    }
    return needs;
  },
  checks: {
    "lambda-function": {
      label: "Lambda function",
      permission: "lambda:GetFunction",
      canonical: (id) => id.replace(/^arn:[^:]+:lambda:[^:]*:\d*:function:/, ""),
      async check(id, { calls }): Promise<Verdict> {
        try {
          const { Configuration } = await calls.lambda.getFunction(id);
          if (Configuration?.State === "Failed") {
            const why = Configuration.StateReason ? ` (${Configuration.StateReason})` : "";
            return {
              outcome: "failed",
              message: `is in state Failed${why}`,
              fix: "fix and redeploy the function",
            };
          }
          return { outcome: "ok", message: "exists" };
        } catch (error) {
          if (!isNotFound(error, "ResourceNotFoundException")) throw error;
          return {
            outcome: "failed",
            message: "does not exist",
            fix: "deploy the function, or fix the FunctionName the state machine passes",
          };
        }
      },
    },
  },
  inputResources: [],
};
