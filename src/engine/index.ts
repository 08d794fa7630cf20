import { applyStack, type ApplyEvent, type ApplyResult } from "./apply";
import { RunContext, type EngineOptions } from "./context";
import { readDesired, type DesiredStack } from "./desired";
import { driftStack, type DriftItem } from "./drift";
import { handlerFor } from "../resources/registry";
import { joinNotices, PlanError, planStack, prefetch, summarize, type Plan, type ResourcePlan, type StackPlan } from "./plan";
import { allResources, stackOfKey } from "./manage";
import type { StackState, StateLock, StateStore } from "./state/types";

export * from "./apply";
export * from "./context";
export * from "./desired";
export * from "./drift";
export * from "./plan";
export * from "./render";
export * from "./state/types";
export { FileStateStore } from "./state/file-store";
export { PostgresStateStore, PostgresStateCorruptError, PostgresStateLockedError, redactUrl, type SessionLock } from "./state/postgres-store";

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
  return readDesired(opts.outdir, opts.stacks, opts.stacks?.length ? await opts.store.stacks() : []);
}

/**
 * Stacks state holds resources of that the app no longer declares (removed or renamed), with how
 * many: nothing touches them unless named with --stack, so every run over the whole app says so.
 */
export async function abandonedStacks(store: StateStore, declared: string[]): Promise<{ stack: string; resources: number }[]> {
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
    `state holds stack "${stack}" (${n} resource${n === 1 ? "" : "s"}), which the app no longer declares: nothing in it is changed. ` +
    `To delete its resources: reposmith destroy --stack ${stack}; to keep them unmanaged: reposmith state rm each key (reposmith state list --stack ${stack}); ` +
    `if it was renamed: reposmith state mv each key to the new stack`
  );
}

async function noticeAbandoned(opts: RunOptions, ctx: RunContext, desired: DesiredStack[]): Promise<void> {
  if (opts.stacks?.length) return;
  for (const a of await abandonedStacks(opts.store, desired.map((d) => d.name))) ctx.notice(abandonedNotice(a));
}

/**
 * One object, two stacks' state (a construct or a whole stack moved without `state mv`): the
 * removed side must not delete it from under the other, and the plan says how to move it instead.
 * A create that collides with an object this plan does not free (ordered in planStack) is explained
 * here too: which key holds it (state mv), or that nothing does (import). Reads the other stacks'
 * state only when the plan deletes, adopts or collides with something.
 */
export async function acrossStacks(store: StateStore, stacks: StackPlan[], states: Map<string, StackState>): Promise<void> {
  const acting = (r: ResourcePlan) => (r.action === "delete" && r.state) || (r.action === "adopt" && r.observed) || (r.blockedBy && !r.afterRemovalOf);
  if (!stacks.some((s) => s.resources.some(acting))) return;
  const deletes = stacks.flatMap((s) => s.resources.filter((r) => r.action === "delete" && r.state));
  const deleting = new Set(deletes.map((r) => r.key));
  const deletedBy = new Map(deletes.map((r) => [`${r.kind}\n${r.state!.id}`, r.key]));
  // Who holds what (an index: a plan may adopt thousands of objects); what is being deleted holds nothing to spare.
  const holders = new Map<string, string[]>();
  for (const [key, rs] of Object.entries(await allResources(store, states))) {
    if (deleting.has(key)) continue;
    const slot = `${rs.kind}\n${rs.id}`;
    holders.set(slot, [...(holders.get(slot) ?? []), key]);
  }
  const holderOf = (r: ResourcePlan, id: string, otherStack?: string) => holders.get(`${r.kind}\n${id}`)?.find((k) => k !== r.key && (!otherStack || stackOfKey(k) !== otherStack));
  for (const s of stacks) {
    for (const r of s.resources) {
      if (r.action === "delete" && r.state) {
        // (Within the stack, planStack's spareShared has done the same.)
        const other = holderOf(r, r.state.id, s.stack);
        if (!other) continue;
        r.action = "forget";
        r.notice = `not deleted: ${other} (stack "${stackOfKey(other)}") manages the same object (${r.state.id}); only this entry is removed from state`;
      } else if (r.action === "adopt" && r.observed) {
        const other = holderOf(r, r.observed.id, s.stack);
        if (other) r.notice = joinNotices(r.notice, `state also holds ${r.observed.id} as ${other}: if it moved here, run "reposmith state mv ${other} ${r.key}" instead, so one key manages it`);
      } else if (r.blockedBy && !r.afterRemovalOf) {
        const { id, what } = r.blockedBy;
        const freeing = deletedBy.get(`${r.kind}\n${id}`);
        // Another stack deletes it in this run (the construct moved there): this create waits for that (applyAll runs that stack first).
        if (freeing) r.afterRemovalOf = [freeing];
        const holder = freeing ? undefined : holderOf(r, id);
        r.notice = joinNotices(
          r.notice,
          freeing
            ? `${what} is deleted first (${freeing}, removed from stack "${stackOfKey(freeing)}"); if it moved here, keep it and its secret instead: reposmith state mv ${freeing} ${r.key}`
            : holder
              ? `will fail: ${what} is ${id}, which state holds as ${holder}; if it moved here, keep it (and its secret): reposmith state mv ${holder} ${r.key}`
              : `will fail: ${what} already exists (${id}) and is not managed by ${r.key}; take it over with: reposmith import ${r.key} ${id}, or choose another name`,
        );
      }
    }
  }
}

/** Reads desired state and plans every stack; nothing is written anywhere. */
export async function planAll(opts: RunOptions, mode: { destroy?: boolean } = {}): Promise<PlanRun> {
  const desired = await desiredOf(opts);
  const ctx = new RunContext(opts);
  // Start the batched reads of every declared resource now, so that the state is read while the
  // first pages are on the wire (planStack adds what only the state knows: removed resources).
  // In growing chunks, letting the event loop send what each started: the first requests leave
  // after a few specs are parsed, not after all of them.
  const items = desired.flatMap((d) => d.resources.map((r) => ({ kind: r.kind, key: r.key, spec: r.spec, conn: r.connection })));
  for (let i = 0, n = 64; i < items.length; i += n, n *= 2) {
    prefetch(ctx, items.slice(i, i + n));
    if (i + n < items.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const states = new Map<string, StackState>();
  const stacks: StackPlan[] = [];
  for (const d of desired) {
    const state = await opts.store.read(d.name);
    states.set(d.name, state);
    stacks.push(await planStack(ctx, d, state, { destroy: mode.destroy, parallelism: opts.parallelism, declaredPrefetched: true }));
  }
  refuseSharedIds(stacks);
  await acrossStacks(opts.store, stacks, states);
  await noticeAbandoned(opts, ctx, desired);
  return { plan: summarize(stacks), ctx, desired, states };
}

/**
 * Two declared resources (of any stacks) that found the same remote object would fight over it, and
 * removing either construct would delete it under the other (e.g. one PackageCopy naming a package
 * by slug_perm and another by format/name/version, which synth cannot compare): refuse the plan.
 */
function refuseSharedIds(stacks: StackPlan[]): void {
  const first = new Map<string, { stack: string; key: string }>();
  const failures: { key: string; error: unknown }[] = [];
  for (const s of stacks) {
    for (const r of s.resources) {
      const id = r.observed?.id;
      if (!id || r.spec === undefined || r.action === "delete" || r.action === "forget" || handlerFor(r.kind).planning?.sharedId) continue;
      const slot = `${r.kind}\n${id}`;
      const other = first.get(slot);
      if (!other) {
        first.set(slot, { stack: s.stack, key: r.key });
        continue;
      }
      failures.push({
        key: r.key,
        error: new Error(
          `${r.key} and ${other.key} both manage ${r.kind} ${id}: each would undo the other; ` +
            `keep one of the two constructs (removing the other only forgets it: the object stays, managed by the one kept)`,
        ),
      });
    }
  }
  if (failures.length) throw new PlanError(failures);
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
    for (const d of desired) locks.push(await opts.store.lock(d.name, mode.destroy ? "reposmith destroy" : "reposmith apply"));
    const run = await planAll(opts, mode);
    const results: ApplyResult[] = [];
    const visible = run.plan.stacks.some((s) => s.resources.some((r) => r.action !== "noop"));
    if (visible && opts.confirm && !(await opts.confirm(run.plan))) return { ...run, results, applied: false };
    // A stack that deletes what another stack's create needs (a construct moved between stacks) goes first.
    const freeing = new Set(run.plan.stacks.flatMap((sp) => sp.resources.flatMap((r) => r.afterRemovalOf ?? [])));
    const order = [...run.plan.stacks].sort((a, b) => Number(!a.resources.some((r) => freeing.has(r.key))) - Number(!b.resources.some((r) => freeing.has(r.key))));
    for (const sp of order) {
      results.push(await applyStack(run.ctx, sp, opts.store, run.states.get(sp.stack)!, { parallelism: opts.parallelism, onEvent: opts.onEvent, destroy: mode.destroy }));
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
export * from "./hook";
