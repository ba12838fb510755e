/**
 * What the Task integrations that are no task kind of the registry need
 * before a run (SNS, EventBridge, DynamoDB): the resources their
 * resolved parameters name, and the IAM actions the state machine's role
 * needs on them (AWS's "IAM policies for integrated services"; the same lists
 * as serverless-step-functions' iamStrategies). The registered kinds bring
 * their own (src/tasks/, `preflight`).
 */

import type { PreflightCalls } from "../aws/preflight-calls.js";
import type { IntegrationPattern, KindPreflight } from "../execution/preflight.js";
import { arnIn, neededField, noNeeds, stringAt, Unresolvable } from "../execution/task-parameters.js";
import { DYNAMODB_TABLE, EVENT_BUS, SNS_TOPIC } from "./resource-checks.js";

export interface OtherIntegration {
  matches(integration: IntegrationPattern): boolean;
  preflight: KindPreflight<PreflightCalls>;
}

const sns: OtherIntegration = {
  matches: (i) => i.service === "sns" && i.action === "publish" && !i.sdk,
  preflight: {
    needs(params) {
      const needs = noNeeds();
      const topic = neededField(needs, params, ["TopicArn"]);
      if (topic) {
        needs.resources.push({ kind: "sns-topic", id: topic, field: "TopicArn" });
        needs.permissions.push({ resource: topic, actions: ["sns:Publish"] });
      }
      return needs;
    },
    checks: { "sns-topic": SNS_TOPIC },
    inputResources: [],
  },
};

const events: OtherIntegration = {
  matches: (i) => i.service === "events" && i.action === "putEvents" && !i.sdk,
  preflight: {
    needs(params, _integration, where) {
      const needs = noNeeds();
      const raw = (params as { Entries?: unknown } | undefined)?.Entries;
      if (raw instanceof Unresolvable) {
        needs.unresolved.push({ field: "Entries", expression: raw.expression });
        return needs;
      }
      (Array.isArray(raw) ? raw : []).forEach((_, i) => {
        // An entry without EventBusName goes to the account's default bus.
        const path = ["Entries", i, "EventBusName"];
        const bus = stringAt(params, path) === undefined ? "default" : neededField(needs, params, path);
        if (!bus) return;
        needs.resources.push({ kind: "event-bus", id: bus, field: path.join(".") });
        const busArn = bus.startsWith("arn:") ? bus : arnIn(where, "events", `event-bus/${bus}`);
        needs.permissions.push({ resource: busArn, actions: ["events:PutEvents"] });
      });
      return needs;
    },
    checks: { "event-bus": EVENT_BUS },
    inputResources: [],
  },
};

const DYNAMODB_ACTIONS: Record<string, string> = {
  getItem: "dynamodb:GetItem",
  putItem: "dynamodb:PutItem",
  updateItem: "dynamodb:UpdateItem",
  deleteItem: "dynamodb:DeleteItem",
};

const dynamodb: OtherIntegration = {
  matches: (i) => i.service === "dynamodb" && i.action in DYNAMODB_ACTIONS && !i.sdk,
  preflight: {
    needs(params, integration, where) {
      const needs = noNeeds();
      const table = neededField(needs, params, ["TableName"]);
      if (table) {
        needs.resources.push({ kind: "dynamodb-table", id: table, field: "TableName" });
        const tableArn = table.startsWith("arn:") ? table : arnIn(where, "dynamodb", `table/${table}`);
        needs.permissions.push({ resource: tableArn, actions: [DYNAMODB_ACTIONS[integration.action] ?? ""] });
      }
      return needs;
    },
    checks: { "dynamodb-table": DYNAMODB_TABLE },
    inputResources: [],
  },
};

export const OTHER_INTEGRATIONS: readonly OtherIntegration[] = [sns, events, dynamodb];
