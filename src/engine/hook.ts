import { handlerFor } from "../resources/registry";
import { parseLifecycle } from "../resources/lifecycle";
import { isPayload, type HookPayload } from "../resources/payload";
import { applyStack, type ApplyEvent, type ApplyResult } from "./apply";
import { RunContext, type EngineOptions } from "./context";
import { payloadReader } from "./desired";
import { managedBy } from "./manage";
import { runAgain } from "./passes";
import { planDeclared, planOrphan, planStack, type ResourcePlan } from "./plan";
import { StateLockedError, type StateLock, type StateStore } from "./state/types";
import { stateMv } from "./messages";

/**
 * What Terraform's local-exec provisioners call (docs/architecture.md#desired-state): the same handlers and
 * state as `reposmith apply`, one resource at a time. Terraform runs hooks in parallel, so the
 * stack's state lock is waited for instead of refused.
 */
export interface HookOptions extends EngineOptions {
  store: StateStore;
  onEvent?: (e: ApplyEvent) => void;
  /** How long to wait for the stack's state lock. @default 120000 */
  lockWaitMs?: number;
}

export class HookInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HookInputError";
  }
}

/** Parses the hook's input (Terraform's `jsonencode(self.input)`). */
export function parseHookInput(text: string | undefined): HookPayload {
  if (!text)
    throw new HookInputError(
      "no hook input: REPOSMITH_HOOK_INPUT is empty (this command is run by Terraform's local-exec provisioners)",
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HookInputError("REPOSMITH_HOOK_INPUT is not JSON");
  }
  if (!isPayload(value))
    throw new HookInputError("REPOSMITH_HOOK_INPUT is not a reposmith payload (missing reposmith/kind/key/spec)");
  return value;
}

const stackOf = (key: string) => key.slice(0, key.indexOf("/"));

async function lockWaiting(store: StateStore, stack: string, operation: string, waitMs = 120_000): Promise<StateLock> {
  const deadline = Date.now() + waitMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await store.lock(stack, operation);
    } catch (err) {
      if (!(err instanceof StateLockedError) || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
    }
  }
}

async function withStack<T>(
  opts: HookOptions,
  stack: string,
  op: string,
  fn: (ctx: RunContext) => Promise<T>,
): Promise<T> {
  const lock = await lockWaiting(opts.store, stack, op, opts.lockWaitMs);
  try {
    return await fn(new RunContext(opts));
  } finally {
    await lock.release();
  }
}

function failOn(result: ApplyResult): ApplyResult {
  if (result.failed.length) throw result.failed[0].error;
  return result;
}

/** Create provisioner: make this one resource match its payload (create, adopt or PATCH). */
export function hookApply(opts: HookOptions, payload: HookPayload): Promise<ApplyResult> {
  const stack = stackOf(payload.key);
  return withStack(opts, stack, "reposmith hook apply", async (ctx) => {
    const state = await opts.store.read(stack);
    // As `reposmith apply` reads it (lifecycle included: the prune hook and the destroy provisioner go by it).
    let plan = await planDeclared(ctx, payloadReader(stack)(payload), state.resources[payload.key], false);
    // Re-run by Terraform because something it depends on changed (HookPayload.after): it acts.
    if (payload.after !== undefined && handlerFor(payload.kind).planning?.dependsOn && plan.action !== "create")
      plan = runAgain(plan, ["a change to what it depends on"]);
    // Under Terraform the prune hook (which would delete a renamed construct's old object) runs
    // last, so a create that collides with an object state holds under another key cannot wait for
    // it: say how to keep that object under this key instead.
    const holder = plan.blockedBy && managedBy(state.resources, payload.key, payload.kind, plan.blockedBy.id);
    if (holder) {
      throw new Error(
        `${plan.blockedBy!.what} is ${plan.blockedBy!.id}, which state holds as ${holder}. If ${holder} was renamed to ${payload.key}, keep it (and its secret): ` +
          `${stateMv(holder, payload.key)}, then terraform apply again; if both should exist, give this one another name`,
      );
    }
    return failOn(await applyStack(ctx, { stack, resources: [plan] }, opts.store, state, { onEvent: opts.onEvent }));
  });
}

/** Destroy provisioner (reads only `self`): delete what state holds for this key. */
export function hookDelete(opts: HookOptions, payload: HookPayload): Promise<ApplyResult> {
  const stack = stackOf(payload.key);
  return withStack(opts, stack, "reposmith hook delete", async (ctx) => {
    const state = await opts.store.read(stack);
    const rs = state.resources[payload.key];
    if (!rs) return { stack, done: [], failed: [], skipped: [], state };
    // Planned as a removed resource is; the destroy provisioner sees only `self` (the payload as
    // last applied), whose lifecycle decides between deleting and retaining.
    const plan = await planOrphan(ctx, stack, payload.key, {
      ...rs,
      lifecycle: parseLifecycle(payload.lifecycle) ?? rs.lifecycle,
    });
    return failOn(await applyStack(ctx, { stack, resources: [plan] }, opts.store, state, { onEvent: opts.onEvent }));
  });
}

/**
 * The per-stack prune hook: Terraform runs no destroy provisioner for a resource block removed from
 * the configuration, so whatever the state holds for this stack that `keys` no longer names is
 * deleted here (or only forgotten, for kinds whose delete removes nothing).
 */
export function hookPrune(opts: HookOptions, stack: string, keys: string[]): Promise<ApplyResult> {
  return withStack(opts, stack, "reposmith hook prune", async (ctx) => {
    const state = await opts.store.read(stack);
    const declared = new Set(keys);
    const orphans = Object.fromEntries(Object.entries(state.resources).filter(([k]) => !declared.has(k)));
    const plan = await planStack(ctx, { name: stack, resources: [] }, { ...state, resources: orphans });
    const pruned = failOn(await applyStack(ctx, plan, opts.store, state, { onEvent: opts.onEvent }));
    // What depends on a deleted resource (a sync on its source's tokens) ran before this prune (the
    // prune hook runs last): run it again now, so the deletion reaches it.
    const deleted = plan.resources
      .filter((r) => r.action === "delete" && r.state)
      .map((r) => ({ key: r.key, kind: r.kind, spec: r.state!.spec }));
    const dependents: ResourcePlan[] = [];
    for (const [key, rs] of Object.entries(pruned.state.resources)) {
      const handler = handlerFor(rs.kind);
      const after = deleted.filter((d) => handler.planning?.dependsOn?.(rs.spec, d)).map((d) => d.key);
      if (!after.length) continue;
      const desired = {
        stack,
        key,
        kind: rs.kind,
        spec: rs.spec,
        generation: rs.generation,
        connection: rs.connection,
        lifecycle: rs.lifecycle,
      };
      dependents.push(runAgain(await planDeclared(ctx, desired, rs, false), after));
    }
    if (!dependents.length) return pruned;
    const rerun = failOn(
      await applyStack(ctx, { stack, resources: dependents }, opts.store, pruned.state, { onEvent: opts.onEvent }),
    );
    return { ...rerun, done: [...pruned.done, ...rerun.done] };
  });
}
