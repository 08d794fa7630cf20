import { applyStack, type ApplyEvent, type ApplyResult } from "./apply";
import { RunContext, type EngineOptions } from "./context";
import { readDesired, resolveFromState, type DesiredStack } from "./desired";
import { refreshTerraformIds } from "./terraform";
import { driftStack, type DriftItem } from "./drift";
import { acrossStacks as acrossStacksPass, needsOtherStacks, shapePlan } from "./passes";
import { planStack, prefetch, prefetchItem, type Plan, type StackPlan } from "./plan";
import { allResources } from "./manage";
import type { ResourceState } from "../resources/types";
import type { StackState, StateLock, StateStore } from "./state/types";

export * from "./apply";
export * from "./context";
export * from "./desired";
export * from "./drift";
export * from "./keys";
export * from "./lock-wait";
export * from "./plan";
export * from "./render";
export * from "./saved-plan";
export * from "./state/types";
export { FileStateStore } from "./state/file-store";
export {
  PostgresStateStore,
  PostgresStateCorruptError,
  PostgresStateLockedError,
  redactUrl,
  type SessionLock,
} from "./state/postgres-store";

export interface RunOptions extends EngineOptions {
  /** The cdktf output directory holding manifest.json. */
  outdir: string;
  store: StateStore;
  /** Limit to these stacks (default: all in the app). */
  stacks?: string[];
  parallelism?: number;
}

export interface PlanRun {
  plan: Plan;
  ctx: RunContext;
  desired: DesiredStack[];
  states: Map<string, StackState>;
}

/** The stacks to work on: the app's (or --stack's), including a stack only state still holds when named. */
async function desiredOf(opts: RunOptions): Promise<DesiredStack[]> {
  const read = readDesired(opts.outdir, opts.stacks, opts.stacks?.length ? await opts.store.stacks() : []);
  return resolveFromState(read, (stack) => opts.store.read(stack));
}

/**
 * Stacks state holds resources of that the app no longer declares (removed or renamed), with how
 * many: nothing touches them unless named with --stack, so every run over the whole app says so.
 */
export async function abandonedStacks(
  store: StateStore,
  declared: string[],
): Promise<{ stack: string; resources: number }[]> {
  const out: { stack: string; resources: number }[] = [];
  for (const stack of await store.stacks()) {
    if (declared.includes(stack)) continue;
    const resources = Object.keys((await store.read(stack)).resources).length;
    if (resources) out.push({ stack, resources });
  }
  return out;
}

/** What to tell the user about one of abandonedStacks(). */
export function abandonedNotice({ stack, resources: n }: { stack: string; resources: number }): string {
  return (
    `state holds stack "${stack}" (${n} resource${n === 1 ? "" : "s"}), which the app no longer declares: ` +
    `nothing in it is changed. To delete its resources: reposmith destroy --stack ${stack}; ` +
    `to keep them unmanaged: reposmith state rm each key (reposmith state list --stack ${stack}); ` +
    `if it was renamed: reposmith state mv each key to the new stack`
  );
}

async function noticeAbandoned(opts: RunOptions, ctx: RunContext, desired: DesiredStack[]): Promise<void> {
  if (opts.stacks?.length) return;
  for (const a of await abandonedStacks(
    opts.store,
    desired.map((d) => d.name),
  ))
    ctx.notice(abandonedNotice(a));
}

/**
 * Every stack's state entries, by key, when the plan needs them to explain itself across stacks
 * (see passes/across-stacks.ts); none otherwise. Stacks already read are given in `states`.
 */
async function stateOfEveryStack(
  store: StateStore,
  stacks: readonly StackPlan[],
  states: Map<string, StackState>,
): Promise<Record<string, ResourceState>> {
  return needsOtherStacks(stacks) ? allResources(store, states) : {};
}

/**
 * The acrossStacks pass with the state it reads (for callers that plan stack by stack, as the
 * controller does): an object another stack's state holds is not deleted from under it, and an
 * adoption or create that collides with one says how to move it.
 */
export async function acrossStacks(
  store: StateStore,
  stacks: readonly StackPlan[],
  states: Map<string, StackState>,
): Promise<StackPlan[]> {
  return acrossStacksPass(stacks, await stateOfEveryStack(store, stacks, states));
}

/** Reads desired state and plans every stack; nothing is written anywhere. */
export async function planAll(opts: RunOptions, mode: { destroy?: boolean } = {}): Promise<PlanRun> {
  const desired = await desiredOf(opts);
  const ctx = new RunContext(opts);
  // Start the batched reads of every declared resource now, so that the state is read while the
  // first pages are on the wire (planStack adds what only the state knows: removed resources).
  // In growing chunks, letting the event loop send what each started: the first requests leave
  // after a few specs are parsed, not after all of them.
  const items = desired.flatMap((d) => d.resources.map(prefetchItem));
  for (let i = 0, n = 64; i < items.length; i += n, n *= 2) {
    prefetch(ctx, items.slice(i, i + n));
    if (i + n < items.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const states = new Map<string, StackState>();
  const stacks: StackPlan[] = [];
  for (const d of desired) {
    const state = await opts.store.read(d.name);
    states.set(d.name, state);
    stacks.push(
      await planStack(ctx, d, state, {
        destroy: mode.destroy,
        parallelism: opts.parallelism,
        declaredPrefetched: true,
      }),
    );
  }
  const plan = shapePlan(stacks, await stateOfEveryStack(opts.store, stacks, states));
  await noticeAbandoned(opts, ctx, desired);
  return { plan, ctx, desired, states };
}

export interface ApplyRun extends PlanRun {
  results: ApplyResult[];
  /** False when the confirmation callback declined. */
  applied: boolean;
}

/**
 * Locks every stack's state, plans against fresh observations, asks `confirm` (skipped when the plan
 * is empty), applies, and releases the locks — also when something fails.
 */
export async function applyAll(
  opts: RunOptions & { onEvent?: (e: ApplyEvent) => void; confirm?: (plan: Plan) => Promise<boolean> },
  mode: { destroy?: boolean } = {},
): Promise<ApplyRun> {
  const desired = await desiredOf(opts);
  const locks: StateLock[] = [];
  try {
    for (const d of desired)
      locks.push(await opts.store.lock(d.name, mode.destroy ? "reposmith destroy" : "reposmith apply"));
    const run = await planAll(opts, mode);
    const results: ApplyResult[] = [];
    const visible = run.plan.stacks.some((s) => s.resources.some((r) => r.action !== "noop"));
    if (visible && opts.confirm && !(await opts.confirm(run.plan))) return { ...run, results, applied: false };
    // A stack that deletes what another stack's create needs (a construct moved between stacks) goes first.
    const freeing = new Set(run.plan.stacks.flatMap((sp) => sp.resources.flatMap((r) => r.afterRemovalOf ?? [])));
    const order = [...run.plan.stacks].sort(
      (a, b) =>
        Number(!a.resources.some((r) => freeing.has(r.key))) - Number(!b.resources.some((r) => freeing.has(r.key))),
    );
    for (const sp of order) {
      const result = await applyStack(run.ctx, sp, opts.store, run.states.get(sp.stack)!, {
        parallelism: opts.parallelism,
        onEvent: opts.onEvent,
        destroy: mode.destroy,
      });
      results.push(result);
      if (result.done.length) await refreshTerraformIds(opts.outdir, sp.stack, result.state);
    }
    return { ...run, results, applied: true };
  } finally {
    for (const l of locks) await l.release();
  }
}

export interface DriftRun {
  items: DriftItem[];
  checked: number;
  ctx: RunContext;
}

export async function driftAll(opts: RunOptions): Promise<DriftRun> {
  const desired = await desiredOf(opts);
  const ctx = new RunContext(opts);
  const items: DriftItem[] = [];
  let checked = 0;
  for (const d of desired) {
    const state = await opts.store.read(d.name);
    checked += Object.keys(state.resources).length;
    items.push(...(await driftStack(ctx, state, opts.parallelism)));
  }
  return { items, checked, ctx };
}
export * from "./manage";
export * from "./terraform";
