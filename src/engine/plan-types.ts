/**
 * What a plan is: one action per resource, with the changes, notices and ordering the plan passes
 * (src/engine/passes/) give it. Plain data: the passes return new plans rather than edit these.
 */
import type { FieldChange, Observed, ConnectionRef, ResourceState } from "../resources/types";
import type { Lifecycle } from "../resources/lifecycle";

/**
 * create: nothing exists; update: exists, fields differ (PATCH); replace: identity changed;
 * delete: no longer declared (or destroy); adopt: found by its reposmith tag but not in state;
 * forget: in state but already gone remotely, and no longer declared; noop: up to date.
 */
export type Action = "create" | "update" | "replace" | "delete" | "adopt" | "forget" | "noop";

export interface ResourcePlan {
  stack: string;
  key: string;
  kind: string;
  label: string;
  action: Action;
  changes: FieldChange[];
  /** Fields a create will send (shown in the plan; never secrets). */
  createFields?: Record<string, unknown>;
  spec?: unknown;
  generation?: string;
  connection?: ConnectionRef;
  observed?: Observed;
  state?: ResourceState;
  /**
   * What the plan says about this resource beyond its changes (what a
   * delete does instead, what was spared, what waits): wording only.
   */
  notice?: string;
  /** The construct's controller lifecycle (driftPolicy, deletionPolicy), kept in state. */
  lifecycle?: Lifecycle;
  /** Values of the props given as Terraform references, by expression (ResourceState.refs), kept in state. */
  refs?: Record<string, unknown>;
  /** Keys of lower-phase changes in this plan that this resource runs again after (see PlanningHooks.dependsOn). */
  after?: string[];
  /**
   * The object state still names for this key when another one is now found for it (a replacement
   * interrupted after its create): deleted once the new one is recorded.
   */
  supersedes?: ResourceState;
  /** An existing object this create collides with (PlanningHooks.createBlocker). */
  blockedBy?: { id: string; what: string };
  /** Keys of deletions in this plan that free what this create needs (a renamed token's name): it runs after them. */
  afterRemovalOf?: string[];
}

export interface StackPlan {
  stack: string;
  resources: ResourcePlan[];
}

export interface Plan {
  stacks: StackPlan[];
  /** forget: entries removed from state while their remote objects stay (retained, or already gone). */
  summary: { add: number; change: number; destroy: number; adopt: number; rotate: number; forget: number };
}

export class PlanError extends Error {
  constructor(readonly failures: { key: string; error: unknown }[]) {
    super(failures.map((f) => `${f.key}: ${(f.error as Error)?.message ?? String(f.error)}`).join("\n"));
    this.name = "PlanError";
  }
}

/** `a` and then `b`, as one notice. */
export const joinNotices = (a: string | undefined, b: string): string => (a ? `${a}; ${b}` : b);
