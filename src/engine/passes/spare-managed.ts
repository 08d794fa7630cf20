import type { ResourcePlan } from "../plan-types";
import { joinNotices } from "../plan-types";

/**
 * Pass: a resource never deletes an object another resource of the stack manages (a mirror's
 * prune of a PackageCopy's copy): such a change (FieldChange.objectId) is dropped and said, and an
 * update left with nothing to do becomes a noop.
 */
export function spareManaged(resources: readonly ResourcePlan[]): ResourcePlan[] {
  if (!resources.some((r) => r.changes.some((c) => c.effect === "delete" && c.objectId))) return [...resources];
  const owners = new Map<string, string>();
  for (const r of resources) for (const id of [r.state?.id, r.observed?.id]) if (id) owners.set(id, r.key);
  return resources.map((r) => {
    const spared = r.changes.filter(
      (c) => c.effect === "delete" && c.objectId && owners.has(c.objectId) && owners.get(c.objectId) !== r.key,
    );
    if (!spared.length) return r;
    const changes = r.changes.filter((c) => !spared.includes(c));
    const notice = joinNotices(
      r.notice,
      `kept ${spared.map((c) => `${c.objectId} (managed by ${owners.get(c.objectId!)})`).join(", ")}`,
    );
    return { ...r, changes, notice, action: !changes.length && r.action === "update" ? "noop" : r.action };
  });
}
