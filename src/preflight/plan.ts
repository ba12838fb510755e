/**
 * What preflight will check, decided before any call: every resource the
 * definition's Task states name (their parameters resolved against each
 * input) and every resource the input's keys name, each once however many
 * states, keys and dates name it, and the role's permissions grouped by
 * resource. Pure: the checks that call AWS take this plan.
 */

import {
  type CheckResult,
  type IntegrationPattern,
  type KindPreflight,
  type ResourceKind,
  type ResourceRef,
  ROLE_PERMISSIONS,
  TASK_PARAMETER,
  type Where,
} from "../execution/preflight.js";
import { resolveParameters } from "../execution/task-parameters.js";
import { kindOfResource, TASK_KINDS } from "../tasks/registry.js";
import { CHECKS } from "./checks.js";
import { parseIntegration, taskUses } from "./definition.js";
import { OTHER_INTEGRATIONS } from "./integrations.js";

export interface PreflightPlan {
  where: Where;
  /** The input's region: the S3 buckets must be there. */
  inputRegion?: string;
  role?: string;
  resources: ResourceRef[];
  /** Role permissions to simulate, one per resource ARN. */
  permissions: ResourceRef[];
  /** Known now without a call: parameters that cannot be resolved, Tasks of kinds preflight does not know. */
  notChecked: CheckResult[];
}

/** Input keys and the resources they name (the seed's pipeline reads these); the task kinds add their own. */
const INPUT_RESOURCES: ReadonlyArray<readonly [key: string, kind: ResourceKind]> = [
  ...TASK_KINDS.flatMap((kind) => kind.preflight.inputResources),
  ["s3_bucket_name_internal", "s3-bucket"],
  ["s3_bucket_name_shared", "s3-bucket"],
  ["mapping_json_S3_path", "s3-object"],
  ["train_statetable_name", "dynamodb-table"],
  ["train_inputtable_name", "dynamodb-table"],
  ["train_metatable_name", "dynamodb-table"],
  ["ssm_training_complete_status", "ssm-parameter"],
  ["email_topic_arn", "sns-topic"],
  ["training_event_bus_name", "event-bus"],
];

export function planPreflight(options: {
  definition?: string;
  role?: string;
  where: Where;
  inputs: ReadonlyArray<Record<string, unknown>>;
}): PreflightPlan {
  const resources = new Collector();
  const permissions = new Collector();
  const notChecked = new Map<string, CheckResult>();
  const uses = taskUses(options.definition);
  for (const input of options.inputs) {
    for (const use of uses) {
      // A resource that is no integration ARN (a function ARN, the legacy form) is matched by its kind alone.
      const integration = parseIntegration(use.resource) ?? DIRECT;
      const kind = preflightOf(use.resource, integration);
      if (!kind) {
        notChecked.set(`kind ${use.state}`, unknownKind(use.state, use.resource, integration));
        continue;
      }
      const params = resolveParameters(use, input);
      const needs = kind.needs(params, integration, options.where, use.resource);
      for (const r of needs.resources) resources.add(r.kind, r.id, `state ${use.state} ${r.field}`);
      for (const u of needs.unresolved) {
        notChecked.set(`${use.state} ${u.field}`, {
          kind: TASK_PARAMETER,
          label: "task parameter",
          resource: `${use.state}.${u.field}`,
          outcome: "not-checked",
          message: `not resolvable before the run (${u.expression})`,
          sources: [`state ${use.state}`],
        });
      }
      if (options.role) {
        for (const p of needs.permissions) {
          permissions.add(ROLE_PERMISSIONS, p.resource, `state ${use.state}`, p.actions);
        }
      }
    }
    for (const [key, kind] of INPUT_RESOURCES) {
      const value = input[key];
      if (typeof value === "string" && value !== "") resources.add(kind, value, `input ${key}`);
    }
  }
  return {
    where: options.where,
    ...(typeof options.inputs[0]?.region === "string" ? { inputRegion: options.inputs[0].region } : {}),
    ...(options.role ? { role: options.role } : {}),
    resources: resources.list(),
    permissions: permissions.list(),
    notChecked: [...notChecked.values()],
  };
}

const DIRECT: IntegrationPattern = { service: "", action: "", pattern: "request-response", sdk: false };

/** What a Task's integration brings to preflight: a registered task kind's, or another integration's. */
function preflightOf(resource: string, integration: IntegrationPattern): KindPreflight | undefined {
  return (
    kindOfResource(resource)?.preflight ??
    OTHER_INTEGRATIONS.find((other) => other.matches(integration))?.preflight
  );
}

function unknownKind(state: string, resource: string, integration: IntegrationPattern): CheckResult {
  const what = integration.service
    ? `${integration.sdk ? "aws-sdk:" : ""}${integration.service}:${integration.action}`
    : resource;
  return {
    kind: TASK_PARAMETER,
    label: "task parameter",
    resource: state,
    outcome: "not-checked",
    message: `preflight has no check for ${what} tasks`,
    sources: [`state ${state}`],
  };
}

/** Resources by identity: a queue named by name in one place and by ARN in another is one queue. */
class Collector {
  private readonly byKey = new Map<string, ResourceRef>();

  add(kind: ResourceKind, id: string, source: string, actions?: string[]): void {
    const key = `${kind} ${canonical(kind, id)}`;
    let ref = this.byKey.get(key);
    if (!ref) {
      ref = { kind, id, sources: [] };
      this.byKey.set(key, ref);
    }
    if (!ref.sources.includes(source)) ref.sources.push(source);
    if (actions) ref.actions = [...new Set([...(ref.actions ?? []), ...actions])];
  }

  list(): ResourceRef[] {
    return [...this.byKey.values()];
  }
}

/** The part of a name or ARN that identifies the resource within the account and region. */
function canonical(kind: ResourceKind, id: string): string {
  return CHECKS[kind]?.canonical?.(id) ?? id;
}
