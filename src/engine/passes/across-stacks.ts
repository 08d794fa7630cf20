import type { ResourceState } from "../../resources/types";
import { stackOfKey } from "../keys";
import { joinNotices, type ResourcePlan, type StackPlan } from "../plan-types";
import { createWillFail, deletedFirst, sameObjectKept, stateMv } from "../messages";

/**
 * A resource that acrossStacks has something to say about: it
 * deletes, adopts, or collides with an object it does not free.
 */
const acting = (r: ResourcePlan): boolean =>
  !!((r.action === "delete" && r.state) || (r.action === "adopt" && r.observed) || (r.blockedBy && !r.afterRemovalOf));

/**
 * Whether acrossStacks needs every stack's state entries: reading
 * them is skipped when no resource deletes, adopts or collides.
 */
export const needsOtherStacks = (stacks: readonly StackPlan[]): boolean => stacks.some((s) => s.resources.some(acting));

/**
 * Pass: one object, two stacks' state (a construct or a whole stack moved without `state mv`): the
 * removed side must not delete it from under the other (it is forgotten instead), and an adoption
 * says how to move it instead. A create that collides with an object its own stack does not free
 * (orderBlockedCreates) is explained here too: another stack deletes it in this plan (the create
 * waits for that), a key holds it (state mv), or nothing does (import).
 * `held` is every stack's state entries by key (see needsOtherStacks).
 */
export function acrossStacks(stacks: readonly StackPlan[], held: Readonly<Record<string, ResourceState>>): StackPlan[] {
  if (!needsOtherStacks(stacks)) return [...stacks];
  const deletes = stacks.flatMap((s) => s.resources.filter((r) => r.action === "delete" && r.state));
  const deleting = new Set(deletes.map((r) => r.key));
  const deletedBy = new Map(deletes.map((r) => [`${r.kind}\n${r.state!.id}`, r.key]));
  // Who holds what (an index: a plan may adopt thousands of objects); what is being deleted holds nothing to spare.
  const holders = new Map<string, string[]>();
  for (const [key, rs] of Object.entries(held)) {
    if (deleting.has(key)) continue;
    const slot = `${rs.kind}\n${rs.id}`;
    holders.set(slot, [...(holders.get(slot) ?? []), key]);
  }
  const holderOf = (r: ResourcePlan, id: string, otherStack?: string) =>
    holders.get(`${r.kind}\n${id}`)?.find((k) => k !== r.key && (!otherStack || stackOfKey(k) !== otherStack));
  const explain = (stack: string, r: ResourcePlan): ResourcePlan => {
    if (r.action === "delete" && r.state) {
      // (Within the stack, spareShared has done the same.)
      const other = holderOf(r, r.state.id, stack);
      if (!other) return r;
      return { ...r, action: "forget", notice: sameObjectKept(other, r.state.id, stackOfKey(other)) };
    }
    if (r.action === "adopt" && r.observed) {
      const other = holderOf(r, r.observed.id, stack);
      if (!other) return r;
      return {
        ...r,
        notice: joinNotices(
          r.notice,
          `state also holds ${r.observed.id} as ${other}: if it moved here, run "${stateMv(other, r.key)}" instead, ` +
            `so one key manages it`,
        ),
      };
    }
    if (r.blockedBy && !r.afterRemovalOf) {
      const { id, what } = r.blockedBy;
      const freeing = deletedBy.get(`${r.kind}\n${id}`);
      const holder = freeing ? undefined : holderOf(r, id);
      const notice = joinNotices(
        r.notice,
        freeing
          ? deletedFirst(what, freeing, `stack "${stackOfKey(freeing)}"`, "if it moved here", r.key)
          : holder
            ? `will fail: ${what} is ${id}, which state holds as ${holder}; ` +
              `if it moved here, keep it (and its secret): ${stateMv(holder, r.key)}`
            : createWillFail(what, id, r.key),
      );
      // Another stack deletes it in this run (the construct moved there):
      // this create waits for that (applyAll runs that stack first).
      return freeing ? { ...r, afterRemovalOf: [freeing], notice } : { ...r, notice };
    }
    return r;
  };
  return stacks.map((s) => ({ ...s, resources: s.resources.map((r) => explain(s.stack, r)) }));
}
