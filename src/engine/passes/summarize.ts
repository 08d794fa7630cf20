import type { Plan, ResourcePlan, StackPlan } from "../plan-types";

/**
 * What an update does beyond "update", as plans and apply results count it: the objects it deletes
 * (a mirror's prunes, counted as destroys), whether it rotates a secret (counted on its own), and
 * whether it changes a field at all (a prune or a rotation alone is no change).
 */
export function updateEffects(r: ResourcePlan): { deleted: number; rotated: boolean; changed: boolean } {
  return {
    deleted: r.changes.filter((c) => c.effect === "delete").length,
    rotated: r.changes.some((c) => c.effect === "rotate"),
    changed: r.changes.some((c) => c.effect === "update" || c.effect === "reset"),
  };
}

/** Pass: the plan's counts (Plan.summary), as the plan's last line shows them. */
export function summarize(stacks: readonly StackPlan[]): Plan {
  const summary = { add: 0, change: 0, destroy: 0, adopt: 0, rotate: 0, forget: 0 };
  for (const s of stacks) {
    for (const r of s.resources) {
      if (r.action === "create") summary.add++;
      if (r.action === "update") {
        // A rotation alone is not a field change: it is counted on its own. Objects inside a
        // resource that go (packages a mirror prunes) are destroys too.
        const { deleted, rotated, changed } = updateEffects(r);
        if (changed) summary.change++;
        summary.destroy += deleted;
        if (rotated) summary.rotate++;
      }
      if (r.action === "replace") (summary.add++, summary.destroy++);
      if (r.action === "delete" || r.supersedes) summary.destroy++;
      if (r.action === "adopt" || (r.observed?.adopted && r.action === "update")) summary.adopt++;
      if (r.action === "forget") summary.forget++;
    }
  }
  return { stacks: [...stacks], summary };
}
