import { sameLifecycle } from "../resources/lifecycle";
import { phaseOf } from "../resources/contract";
import { handlerFor } from "../resources/registry";
import type { Observed, ResourceState } from "../resources/types";
import { settleAll } from "../util/pool";
import type { RunContext } from "./context";
import { runAgain, updateEffects } from "./passes";
import { planDeclared, type Action, type ResourcePlan, type StackPlan } from "./plan";
import type { StackState, StateStore } from "./state/types";

export interface ApplyEvent {
  stack: string;
  key: string;
  label: string;
  action: Action;
  phase: "start" | "done" | "error";
  /** Remote id once known (done). */
  id?: string;
  /**
   * What the plan noted about it (e.g. "the mirror link remains"):
   * shown where no plan was shown, as in Terraform's hooks.
   */
  notice?: string;
  error?: unknown;
}

export interface ApplyOptions {
  parallelism?: number;
  /** A destroy: nothing is planned again between phases (a fresh look would plan writes). */
  destroy?: boolean;
  onEvent?: (e: ApplyEvent) => void;
}

export interface ApplyResult {
  stack: string;
  /**
   * `deleted`: objects inside an update that it deleted (a mirror's prunes), counted as destroyed as
   * the plan counts them; `rotated`: the update rotated a secret; `changed: false` when an update
   * changed no field (only pruned or rotated), so it is not counted as changed.
   */
  done: { key: string; action: Action; deleted?: number; rotated?: boolean; changed?: boolean }[];
  failed: { key: string; action: Action; error: unknown }[];
  /** Keys not started because the run was interrupted (Ctrl-C): nothing was done for them. */
  skipped: string[];
  state: StackState;
}

/**
 * Persists state after every resource operation, one write at a time, coalescing bursts.
 * With remote identity tags the state is a cache, but keeping it close to reality keeps plans exact.
 *
 * Each write rewrites the whole state, which is costly for a large one
 * (docs/performance.md#state-writes-during-a-large-apply), so writes are paced: the next starts no
 * sooner than WRITE_PACE times the last one's duration after it ended (at most MAX_WRITE_GAP_MS),
 * keeping the writer busy at most about a quarter of the time instead of all of it during a large
 * apply. What changed meanwhile goes in that next write; flush() writes at once. A crash loses at
 * most the last gap's records, which the next plan finds again by their tags.
 */
const WRITE_PACE = 3;
const MAX_WRITE_GAP_MS = 2_000;

class StateWriter {
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private pending = false;
  /** When the next write may start, and how to start it sooner (flush). */
  private notBefore = 0;
  private hurry: (() => void) | undefined;
  private flushing = false;

  public state: StackState;

  constructor(
    private readonly store: StateStore,
    read: StackState,
  ) {
    this.state = { ...read, resources: { ...read.resources } };
  }

  put(key: string, rs: ResourceState): void {
    this.state.resources[key] = rs;
    this.schedule();
  }

  remove(key: string): void {
    delete this.state.resources[key];
    this.schedule();
  }

  private schedule(): void {
    this.dirty = true;
    if (this.pending) return;
    this.pending = true;
    this.writing = this.writing.then(async () => {
      const wait = this.flushing ? 0 : this.notBefore - Date.now();
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.hurry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.hurry = undefined;
      }
      this.pending = false;
      if (!this.dirty) return;
      this.dirty = false;
      const started = Date.now();
      const written = await this.store.write(this.state);
      this.state.serial = written.serial;
      const ended = Date.now();
      this.notBefore = ended + Math.min(MAX_WRITE_GAP_MS, WRITE_PACE * (ended - started));
    });
  }

  async flush(): Promise<StackState> {
    this.flushing = true;
    this.hurry?.();
    await this.writing;
    if (this.dirty) {
      this.schedule();
      await this.writing;
    }
    return this.state;
  }
}

function record(r: ResourcePlan, observed: Observed, now: Date): ResourceState {
  return {
    kind: r.kind,
    id: observed.id,
    generation: r.generation!,
    spec: r.spec,
    observed: observed.fields,
    connection: r.connection,
    ...(r.lifecycle ? { lifecycle: r.lifecycle } : {}),
    ...(r.refs ? { refs: r.refs } : {}),
    appliedAt: now.toISOString(),
  };
}

/**
 * A failure after the remote change was made (e.g. a sync started but not finished in time): the
 * handler attaches what now exists as `recorded`, so state keeps up and the next plan does not
 * repeat the change, while the error is still reported.
 */
function recordedOf(err: unknown): Observed | undefined {
  const r = (err as { recorded?: Observed } | null)?.recorded;
  return r && typeof r === "object" && typeof r.id === "string" ? r : undefined;
}

async function applyOne(ctx: RunContext, r: ResourcePlan, writer: StateWriter): Promise<void> {
  try {
    await applyAction(ctx, r, writer);
  } catch (err) {
    const recorded = (r.action === "create" || r.action === "update") && recordedOf(err);
    if (recorded) writer.put(r.key, { ...record(r, recorded, ctx.now()), provisional: true });
    throw err;
  }
}

async function applyAction(ctx: RunContext, r: ResourcePlan, writer: StateWriter): Promise<void> {
  const handler = handlerFor(r.kind);
  switch (r.action) {
    case "create":
      writer.put(r.key, record(r, await handler.create(ctx, r.key, r.spec, r.connection), ctx.now()));
      return;
    case "update":
      writer.put(
        r.key,
        record(r, await handler.update(ctx, r.key, r.spec, r.connection, r.observed!, r.changes), ctx.now()),
      );
      return deleteSuperseded(ctx, r);
    case "replace": {
      const created = await handler.create(ctx, r.key, r.spec, r.connection);
      // The old object goes before the new one is recorded: if deleting it fails, state still names
      // it, and the next plan finds the new one by its identity and deletes the old one then.
      if (r.state && r.state.id !== created.id) await handler.delete(ctx, r.state, r.state.connection ?? r.connection);
      writer.put(r.key, record(r, created, ctx.now()));
      return;
    }
    case "adopt":
    case "noop":
      // Recorded again when found by tag, when the spec's generation moved without a visible change,
      // when only the lifecycle changed (a deletionPolicy must be current in state before the
      // construct is removed, since state is all that is left of it then), or when the entry was
      // recorded from a failure (provisional: a copy whose wait failed may have finished since).
      const stale =
        !r.state ||
        r.state.provisional ||
        r.state.generation !== r.generation ||
        !sameLifecycle(r.state.lifecycle, r.lifecycle);
      if (r.observed && r.generation && (r.action === "adopt" || stale)) {
        writer.put(r.key, record(r, r.observed, ctx.now()));
      }
      return deleteSuperseded(ctx, r);
    case "delete":
      await handler.delete(ctx, r.state ?? record(r, r.observed!, ctx.now()), r.state?.connection ?? r.connection);
      writer.remove(r.key);
      return;
    case "forget":
      writer.remove(r.key);
      return;
  }
}

/** The object an interrupted replacement left behind (ResourcePlan.supersedes), once its successor is recorded. */
async function deleteSuperseded(ctx: RunContext, r: ResourcePlan): Promise<void> {
  if (r.supersedes) await handlerFor(r.kind).delete(ctx, r.supersedes, r.supersedes.connection ?? r.connection);
}

/**
 * Carries out one stack's plan, phase by phase (PlanningHooks.phase): each phase's writes in
 * parallel, then its deletions, so that a later phase (a sync) sees the earlier ones' final result.
 * State is saved as it goes.
 */
export async function applyStack(
  ctx: RunContext,
  plan: StackPlan,
  store: StateStore,
  state: StackState,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const writer = new StateWriter(store, state);
  const result: ApplyResult = { stack: plan.stack, done: [], failed: [], skipped: [], state };
  const run = async (r: ResourcePlan) => {
    const ev = {
      stack: plan.stack,
      key: r.key,
      label: r.label,
      action: r.action,
      ...(r.notice ? { notice: r.notice } : {}),
    };
    const visible = r.action !== "noop";
    // Interrupted: what is in flight finishes (or stops at its next poll, recorded); nothing new starts.
    if (ctx.interrupted()) {
      if (visible) result.skipped.push(r.key);
      return;
    }
    if (visible) opts.onEvent?.({ ...ev, phase: "start" });
    try {
      await applyOne(ctx, r, writer);
      if (visible) {
        // Counted as the plan counts them (summarize): prunes are destroys, a rotation is its own count.
        const { deleted, rotated, changed } =
          r.action === "update" ? updateEffects(r) : { deleted: 0, rotated: false, changed: true };
        result.done.push({
          key: r.key,
          action: r.action,
          ...(deleted ? { deleted } : {}),
          ...(rotated ? { rotated } : {}),
          ...(changed ? {} : { changed: false }),
        });
        opts.onEvent?.({ ...ev, phase: "done", id: writer.state.resources[r.key]?.id ?? r.state?.id });
      }
    } catch (error) {
      result.failed.push({ key: r.key, action: r.action, error });
      opts.onEvent?.({ ...ev, phase: "error", error });
    }
  };
  const removals = new Set<Action>(["delete", "forget"]);
  const phaseOfPlan = (r: ResourcePlan) => phaseOf(handlerFor(r.kind));
  for (const phase of [...new Set(plan.resources.map(phaseOfPlan))].sort((a, b) => a - b)) {
    const inPhase = plan.resources.filter((r) => phaseOfPlan(r) === phase);
    const writes = inPhase.filter((r) => !removals.has(r.action));
    // A create that needs what a deletion frees (a renamed token's name) runs after the deletions.
    const waiting = writes.filter((r) => r.afterRemovalOf?.length);
    await runInWaves(
      ctx,
      plan.stack,
      waiting.length ? writes.filter((r) => !r.afterRemovalOf?.length) : writes,
      phase > 0 && !opts.destroy,
      (wave) => settleAll(wave, opts.parallelism ?? 10, run),
    );
    await settleAll(
      inPhase.filter((r) => removals.has(r.action)),
      opts.parallelism ?? 10,
      run,
    );
    await settleAll(waiting, opts.parallelism ?? 10, run);
  }
  result.state = await writer.flush();
  return result;
}

/**
 * Runs one phase's writes in waves: a resource planned to run after others of the same phase
 * (`after`, e.g. a sync whose source is another sync's target) waits for them. Later phases read
 * what earlier ones wrote, so with `fresh` each wave is planned again just before it runs.
 */
async function runInWaves(
  ctx: RunContext,
  stack: string,
  writes: ResourcePlan[],
  fresh: boolean,
  runWave: (wave: ResourcePlan[]) => Promise<unknown>,
): Promise<void> {
  let pending = writes;
  while (pending.length) {
    const keys = new Set(pending.map((r) => r.key));
    let wave = pending.filter((r) => !r.after?.some((k) => keys.has(k)));
    if (!wave.length) wave = pending; // a cycle (refused at synth): the rest together
    const next = pending.filter((r) => !wave.includes(r));
    if (fresh)
      wave = await Promise.all(wave.map((r) => (r.spec === undefined ? r : replan(ctx, stack, r).catch(() => r))));
    await runWave(wave);
    pending = next;
  }
}

async function replan(ctx: RunContext, stack: string, r: ResourcePlan): Promise<ResourcePlan> {
  const fresh = await planDeclared(
    ctx,
    {
      stack,
      key: r.key,
      kind: r.kind,
      spec: r.spec,
      generation: r.generation!,
      connection: r.connection,
      lifecycle: r.lifecycle,
      ...(r.refs ? { refs: { expressions: {}, values: r.refs } } : {}),
    },
    r.state,
    false,
  );
  // Planned to run after this plan's earlier changes (a sync after its source's tokens): it runs even
  // when the fresh look finds nothing to do, since what changed (a rotated secret) may not show.
  return r.after?.length ? runAgain(fresh, r.after) : fresh;
}
