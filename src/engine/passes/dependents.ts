import { phaseOf } from "../../resources/contract";
import { handlerFor } from "../../resources/registry";
import type { ResourcePlan } from "../plan-types";

/**
 * `r`, planned to act after `after` (keys of changes it depends on) even when it looks up to date:
 * what changed there (a rotated secret) may show nowhere.
 */
export function runAgain(r: ResourcePlan, after: string[]): ResourcePlan {
  const names = after.length <= 3 ? after.join(", ") : `${after.length} resources`;
  return {
    ...r,
    after,
    action: r.action === "noop" || r.action === "adopt" ? "update" : r.action,
    changes: [
      ...r.changes,
      { path: "(after this plan's changes)", old: null, new: `run again after ${names}`, effect: "update" },
    ],
  };
}

/**
 * Pass: resources that depend on other changes of the same plan (a sync on its source's tokens, or
 * on the sync that fills its source; PlanningHooks.dependsOn) are planned to run again after them:
 * their own observation predates those changes.
 */
export function planDependents(resources: readonly ResourcePlan[]): ResourcePlan[] {
  const changing = new Set(
    resources.filter((r) => r.action !== "noop" && r.action !== "adopt" && r.action !== "forget").map((r) => r.key),
  );
  if (!changing.size) return [...resources];
  const eligible = resources.filter(
    (r) =>
      handlerFor(r.kind).planning?.dependsOn &&
      r.spec !== undefined &&
      r.action !== "create" &&
      r.action !== "delete" &&
      r.action !== "forget",
  );
  if (!eligible.length) return [...resources];
  // To a fixed point: a resource planned to run again is a change its own dependents must follow (a chain of syncs).
  const deps = new Map<ResourcePlan, string[]>();
  for (let grew = true; grew;) {
    grew = false;
    for (const r of eligible) {
      const handler = handlerFor(r.kind);
      const phase = phaseOf(handler);
      const found = resources
        .filter(
          (o) =>
            o !== r &&
            changing.has(o.key) &&
            phaseOf(handlerFor(o.kind)) <= phase &&
            handler.planning!.dependsOn!(r.spec, { kind: o.kind, spec: o.spec ?? o.state?.spec }),
        )
        .map((o) => o.key);
      if (found.length <= (deps.get(r)?.length ?? 0)) continue;
      deps.set(r, found);
      changing.add(r.key);
      grew = true;
    }
  }
  return resources.map((r) => {
    const after = deps.get(r);
    return after ? runAgain(r, after) : r;
  });
}
