import { handlerFor } from "../../resources/registry";
import { PlanError, type StackPlan } from "../plan-types";

/**
 * Pass: two declared resources (of any stacks) that found the same remote object would fight over
 * it, and removing either construct would delete it under the other (e.g. one PackageCopy naming a
 * package by slug_perm and another by format/name/version, which synth cannot compare): the plan is
 * refused (PlanError), unless the kind's ids are shared by design (PlanningHooks.sharedId).
 */
export function refuseSharedIds(stacks: readonly StackPlan[]): StackPlan[] {
  // By kind, then id: no "kind + id" string built and hashed for each of 10,000 resources a plan.
  const first = new Map<string, Map<string, { stack: string; key: string }>>();
  const failures: { key: string; error: unknown }[] = [];
  for (const s of stacks) {
    for (const r of s.resources) {
      const id = r.observed?.id;
      if (
        !id ||
        r.spec === undefined ||
        r.action === "delete" ||
        r.action === "forget" ||
        handlerFor(r.kind).planning?.sharedId
      )
        continue;
      let ofKind = first.get(r.kind);
      if (!ofKind) first.set(r.kind, (ofKind = new Map()));
      const other = ofKind.get(id);
      if (!other) {
        ofKind.set(id, { stack: s.stack, key: r.key });
        continue;
      }
      failures.push({
        key: r.key,
        error: new Error(
          `${r.key} and ${other.key} both manage ${r.kind} ${id}: each would undo the other; ` +
            `keep one of the two constructs (removing the other only forgets it: ` +
            `the object stays, managed by the one kept)`,
        ),
      });
    }
  }
  if (failures.length) throw new PlanError(failures);
  return [...stacks];
}
