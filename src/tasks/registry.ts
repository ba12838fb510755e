import type { UsageMeter } from "../usage/usage.js";
import { batch } from "./batch.js";
import { glue } from "./glue.js";
import type { KindCause, TaskKind } from "./kind.js";
import { lambda } from "./lambda.js";
import type { TaskRef } from "./types.js";

/**
 * Every task kind batchinf knows, in the order a resource or a cause is
 * matched. Adding one is a module and a line here: `defineKinds` checks at
 * compile time that each entry implements TaskKind.
 */
export const TASK_KINDS = defineKinds([glue, batch, lambda]);

/** The list as given, each entry checked against the interface (a missing member fails `tsc`). */
export function defineKinds<const Kinds extends readonly TaskKind[]>(kinds: Kinds): Kinds {
  return kinds;
}

/** The causes the registered kinds parse, as one union tagged by `kind`. */
export type KnownCause = CauseOf<(typeof TASK_KINDS)[number]>;
type CauseOf<K> = K extends TaskKind<infer C> ? C : never;

/** The kind that runs a Task state's resource; undefined for any other integration (a generic task). */
export function kindOfResource(resource: string | undefined): TaskKind | undefined {
  if (!resource) return undefined;
  return TASK_KINDS.find((kind) => kind.matches(resource));
}

/** What the kinds measure their work in, in registry order: the result's usage totals and --prices' units. */
export const USAGE_METERS: readonly UsageMeter[] = TASK_KINDS.flatMap((kind) =>
  kind.usage ? [kind.usage.meter] : [],
);

/** The --prices keys the kinds' units are priced under ("stateTransition" is Step Functions' own, added by prices.ts). */
export const PRICED_UNITS: readonly string[] = USAGE_METERS.flatMap((meter) =>
  meter.units.map((unit) => unit.price),
);

/** The kind a stored id names (a TaskRef's or a TaskFailure's `kind`). */
export function kindById(id: string | undefined): TaskKind | undefined {
  return TASK_KINDS.find((kind) => kind.id === id);
}

/** A cause of some kind's shape, parsed; undefined when no kind knows it. */
export function parseKindCause(cause: Record<string, unknown>): KnownCause | undefined {
  for (const kind of TASK_KINDS) {
    const parsed = kind.parseCause(cause) as KnownCause | undefined;
    if (parsed) return parsed;
  }
  return undefined;
}

/** The headline a parsed cause is summed up in, by the kind that parsed it. */
export function causeHeadline(cause: KindCause): string[] {
  return kindById(cause.kind)?.causeHeadline(cause) ?? [];
}

/** A submitted task in words: "Glue job run" and its name ("DCP-feature-prep", "score-fn:prod"). */
export function taskWords(task: TaskRef): { what: string; name?: string } {
  const what = kindById(task.kind)?.labels.task ?? `${task.kind} task`;
  const name =
    task.jobName ??
    (task.functionName ? `${task.functionName}${task.qualifier ? `:${task.qualifier}` : ""}` : undefined);
  return name ? { what, name } : { what };
}
