import type { ResourcePlan } from "../plan-types";
import { joinNotices } from "../plan-types";
import { deletedFirst } from "../messages";

/**
 * Pass: a create that collides with an existing object (a token of the same name;
 * PlanningHooks.createBlocker) that this plan deletes (its construct was renamed or removed) waits
 * for the deletion. Any other collision is explained across all stacks' state (across-stacks.ts).
 */
export function orderBlockedCreates(resources: readonly ResourcePlan[]): ResourcePlan[] {
  return resources.map((r) => {
    if (!r.blockedBy) return r;
    const { id, what } = r.blockedBy;
    const freeing = resources.find((o) => o.action === "delete" && (o.state?.id ?? o.observed?.id) === id);
    if (!freeing) return r;
    return {
      ...r,
      afterRemovalOf: [freeing.key],
      notice: joinNotices(r.notice, deletedFirst(what, freeing.key, "the app", "if this is a rename", r.key)),
    };
  });
}
