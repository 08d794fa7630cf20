import type { ResourcePlan } from "../engine";
import { RETAINED } from "./messages";
import { DEFAULT_DELETION_POLICY, type DeletionPolicy, type DriftPolicy, type Lifecycle } from "../resources/lifecycle";

/**
 * What the controller does with one planned resource.
 * - apply: a change that comes from the configuration (new, edited, adopted) or is scheduled
 *   (rotation due, counter reset): always carried out, whatever the drift policy.
 * - drift: the remote object was changed or deleted outside reposmith since the last apply; the
 *   resource's drift policy (or the controller's default) decides.
 * - prune / retain: no longer declared; deleted only when its deletionPolicy is "delete".
 * - noop: nothing to do (apply may still refresh the state entry).
 */
export type Decision =
  | { kind: "apply"; plan: ResourcePlan }
  | { kind: "noop"; plan: ResourcePlan }
  | {
      kind: "drift";
      plan: ResourcePlan;
      status: "deleted" | "changed";
      policy: DriftPolicy;
      apply: ResourcePlan | undefined;
    }
  | { kind: "prune"; plan: ResourcePlan }
  | { kind: "retain"; plan: ResourcePlan };

/** Change effects that are scheduled by the configuration itself (rotation by age, reset triggers), not drift. */
const SCHEDULED = new Set(["rotate", "reset"]);
const WRITES = new Set(["create", "update", "replace"]);

export function decide(r: ResourcePlan, declared: Lifecycle | undefined | null, defaultPolicy: DriftPolicy): Decision {
  // `declared` is null for a resource no longer in the configuration.
  if (declared === null) return decideRemoval(r);
  if (r.action === "noop") return { kind: "noop", plan: r };
  // Not in state, or the configuration changed since the last apply: the configuration speaks.
  if (!r.state || r.action === "adopt" || r.state.generation !== r.generation || !WRITES.has(r.action))
    return { kind: "apply", plan: r };
  // Runs again after this plan's own changes to what it depends on (a sync after its source's
  // tokens): that comes from the configuration too, and it makes the rest equal as well.
  if (r.after?.length) return { kind: "apply", plan: r };
  const drifted = r.changes.filter((c) => !SCHEDULED.has(c.effect));
  const scheduled = r.changes.filter((c) => SCHEDULED.has(c.effect));
  if (r.action !== "create" && drifted.length === 0 && scheduled.length > 0) return { kind: "apply", plan: r };
  const policy = declared?.driftPolicy ?? defaultPolicy;
  const status = r.action === "create" ? "deleted" : "changed";
  let apply: ResourcePlan | undefined;
  if (policy === "correct") apply = r;
  // Report/ignore leave the drift alone but still carry out a due rotation or reset.
  else if (r.action === "update" && scheduled.length) apply = { ...r, changes: scheduled };
  return { kind: "drift", plan: { ...r, changes: drifted.length ? drifted : r.changes }, status, policy, apply };
}

function decideRemoval(r: ResourcePlan): Decision {
  // Already gone remotely: only the state entry is left to drop.
  if (r.action !== "delete") return { kind: "prune", plan: r };
  const policy: DeletionPolicy = r.state?.lifecycle?.deletionPolicy ?? DEFAULT_DELETION_POLICY;
  if (policy === "delete") return { kind: "prune", plan: r };
  return { kind: "retain", plan: { ...r, action: "forget", notice: RETAINED } };
}

/** The plan to hand to applyStack for one decision (undefined = leave the resource alone this pass). */
export function toApply(d: Decision): ResourcePlan | undefined {
  switch (d.kind) {
    case "apply":
    case "noop":
    case "prune":
    case "retain":
      return d.plan;
    case "drift":
      return d.apply;
  }
}
