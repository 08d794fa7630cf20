/** Small plans for the pass tests: resources of real kinds, frozen so a pass that edits its input throws. */
import type { FieldChange, ResourceState } from "../../../src/resources/types";
import type { Action, ResourcePlan, StackPlan } from "../../../src/engine/plan-types";

export const TOKEN = "EntitlementToken";
export const SYNC = "EntitlementSync";
export const COPY = "PackageCopy";
export const MIRROR = "PackageMirror";

/** A state entry for `id`. */
export function entry(kind: string, id: string, spec: unknown = {}): ResourceState {
  return { kind, id, generation: "g1", spec, observed: {}, appliedAt: "2026-01-01T00:00:00.000Z" };
}

/** One resource's plan: `key` in stack "app" unless the key names another stack. */
export function rp(key: string, kind: string, action: Action, more: Partial<ResourcePlan> = {}): ResourcePlan {
  return { stack: key.split("/")[0], key, kind, label: key, action, changes: [], ...more };
}

export const tokenSpec = (repository: string, name = "ci") => ({ owner: "acme", repository, name });
export const syncSpec = (source: string, target: string) => ({
  owner: "acme",
  source,
  target,
  replaceTargetTokens: true,
});

/** The change runAgain adds. */
export const ranAgain = (names: string): FieldChange => ({
  path: "(after this plan's changes)",
  old: null,
  new: `run again after ${names}`,
  effect: "update",
});

export const prune = (objectId: string, name = "npm/a@1"): FieldChange => ({
  path: `packages["${name}#x"]`,
  old: "present",
  new: null,
  effect: "delete",
  objectId,
});

export function stack(name: string, resources: ResourcePlan[]): StackPlan {
  return { stack: name, resources };
}

/** Freezes `value` and everything in it: a pass that edits its input then throws (tests run in strict mode). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
