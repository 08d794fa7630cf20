/**
 * Plan building after observation, as a pipeline of named pure passes: each takes a plan and
 * returns a new one (never editing the one it was given), so each can be read and tested alone
 * (test/engine/passes/). Observation (plan.ts) and reading state (index.ts) happen before.
 */
import type { ResourceState } from "../../resources/types";
import type { Plan, ResourcePlan, StackPlan } from "../plan-types";
import { acrossStacks } from "./across-stacks";
import { orderBlockedCreates } from "./blocked-creates";
import { planDependents } from "./dependents";
import { refuseSharedIds } from "./shared-ids";
import { spareManaged } from "./spare-managed";
import { spareShared } from "./spare-shared";
import { summarize } from "./summarize";

export { needsOtherStacks } from "./across-stacks";
export { runAgain } from "./dependents";
export { updateEffects } from "./summarize";
export { acrossStacks, orderBlockedCreates, planDependents, refuseSharedIds, spareManaged, spareShared, summarize };

/** The passes over one stack's resources, in order (not run for a destroy, which only removes). */
const STACK_PASSES: readonly ((resources: readonly ResourcePlan[]) => ResourcePlan[])[] = [
  planDependents,
  spareManaged,
  spareShared,
  orderBlockedCreates,
];

/** One stack's observed resources → its plan. */
export function shapeStack(resources: readonly ResourcePlan[]): ResourcePlan[] {
  return STACK_PASSES.reduce<ResourcePlan[]>((rs, pass) => pass(rs), [...resources]);
}

/**
 * Every stack's plan → the whole plan: refused when two resources
 * manage one object, then explained across stacks, then counted.
 */
export function shapePlan(stacks: readonly StackPlan[], held: Readonly<Record<string, ResourceState>>): Plan {
  return summarize(acrossStacks(refuseSharedIds(stacks), held));
}
