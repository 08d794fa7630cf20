import {
  PlanError,
  acrossStacks,
  applyStack,
  planStack,
  refreshTerraformIds,
  type ApplyEvent,
  type DesiredStack,
  type RunContext,
  type StackPlan,
  type StackState,
  type StateLock,
  type StateStore,
} from "../engine";
import { sameLifecycle, type DriftPolicy } from "../resources/lifecycle";
import type { Backoff } from "./backoff";
import { errInfo, type Logger } from "./logger";
import { driftFound, noLongerDeclared, RETAINED } from "./messages";
import { decide, toApply, type Decision } from "./policy";

export interface StackPassOptions {
  ctx: RunContext;
  store: StateStore;
  desired: DesiredStack;
  defaultPolicy: DriftPolicy;
  backoff: Backoff;
  log: Logger;
  parallelism: number;
  /** True once shutdown began: plan nothing more, start no write. */
  stopping: () => boolean;
  /** Called with the stack lock while it is held, so a forced shutdown can release it. */
  holding?: (lock: StateLock | undefined) => void;
  /**
   * Drift found and not corrected, by resource, kept across passes (kind as value): a resource
   * backing off is not looked at, but its last known drift is still outstanding.
   */
  unresolvedDrift?: Map<string, string>;
  /** The synthesized app: the ids a Terraform runner of the stack wrote are refreshed after a change. */
  outdir?: string;
}

interface DriftRecord {
  key: string;
  kind: string;
  status: "deleted" | "changed";
  policy: DriftPolicy;
  paths: string[];
  corrected: boolean;
}

export interface StackOutcome {
  stack: string;
  drift: DriftRecord[];
  applied: { key: string; kind: string; action: string }[];
  failed: { key: string; kind: string; phase: "observe" | "apply"; error: unknown }[];
  retained: string[];
  /** Keys left alone this pass because they are backing off after failures. */
  backingOff: string[];
  /** Kinds of the backing-off resources whose drift, when last seen, was not corrected. */
  driftWhileBackingOff: string[];
  /** Resources in state after the pass, by kind. */
  managed: Record<string, number>;
  /** Stopped by shutdown before applying. */
  interrupted: boolean;
}

const bkey = (stack: string, key: string) => `${stack}\0${key}`;

/**
 * One stack, one pass: lock, read state, plan (a resource whose observation fails is set aside and
 * the rest planned again), sort each change by policy, apply what the policies allow, release.
 */
export async function reconcileStack(o: StackPassOptions): Promise<StackOutcome> {
  const { desired, store, log } = o;
  const stack = desired.name;
  const out: StackOutcome = {
    stack,
    drift: [],
    applied: [],
    failed: [],
    retained: [],
    backingOff: [],
    driftWhileBackingOff: [],
    managed: {},
    interrupted: false,
  };
  const lock = await store.lock(stack, "reposmith reconcile");
  o.holding?.(lock);
  try {
    const state = await store.read(stack);
    // Taken now: applying removes forgotten and deleted entries from `state`.
    const kinds = new Map<string, string>([
      ...Object.entries(state.resources).map(([k, rs]): [string, string] => [k, rs.kind]),
      ...desired.resources.map((r): [string, string] => [r.key, r.kind]),
    ]);
    const kindOf = (key: string) => kinds.get(key) ?? "unknown";
    const skip = new Set<string>();
    for (const key of [...desired.resources.map((r) => r.key), ...Object.keys(state.resources)]) {
      if (o.backoff.blocked(bkey(stack, key))) skip.add(key);
    }
    out.backingOff = [...skip];

    const isolated = await planIsolated(o, state, skip, (key, error) => {
      out.failed.push({ key, kind: kindOf(key), phase: "observe", error });
      const delay = o.backoff.fail(bkey(stack, key));
      log.warn({ stack, key, err: errInfo(error), retryInMs: delay }, "observe failed; backing off");
    });
    // As `reposmith plan` does: an object another stack's state holds is not deleted from under it,
    // and an adoption or create that collides with one says to state mv it.
    const [plan] = await acrossStacks(store, [isolated], new Map([[stack, state]]));
    if (o.stopping()) {
      out.interrupted = true;
      return out;
    }

    const lifecycles = new Map(desired.resources.map((r) => [r.key, r.lifecycle ?? {}]));
    const decisions = plan.resources.map((r) =>
      decide(r, lifecycles.has(r.key) ? lifecycles.get(r.key) : null, o.defaultPolicy),
    );
    for (const d of decisions) note(d, out, log, stack);
    const toRun: StackPlan = { stack, resources: decisions.map(toApply).filter((r) => r !== undefined) };

    const onEvent = (e: ApplyEvent) => {
      if (e.phase === "start") log.info({ stack, key: e.key, action: e.action }, `${e.action} ${e.label}`);
      if (e.phase === "done") log.info({ stack, key: e.key, action: e.action, id: e.id }, `${e.action} done`);
      if (e.phase === "error")
        log.error({ stack, key: e.key, action: e.action, err: errInfo(e.error) }, `${e.action} failed`);
    };
    const result = await applyStack(o.ctx, toRun, store, state, { parallelism: o.parallelism, onEvent });

    const failedKeys = new Set(result.failed.map((f) => f.key));
    for (const f of result.failed) {
      out.failed.push({ key: f.key, kind: kindOf(f.key), phase: "apply", error: f.error });
      const delay = o.backoff.fail(bkey(stack, f.key));
      log.warn({ stack, key: f.key, retryInMs: delay }, "backing off after a failed operation");
    }
    for (const r of plan.resources) if (!failedKeys.has(r.key)) o.backoff.succeed(bkey(stack, r.key));
    for (const d of result.done) out.applied.push({ key: d.key, kind: kindOf(d.key), action: d.action });
    const done = new Set(result.done.map((d) => d.key));
    for (const dr of out.drift) dr.corrected = dr.policy === "correct" && done.has(dr.key);
    if (o.unresolvedDrift) {
      const memo = o.unresolvedDrift;
      for (const r of plan.resources) memo.delete(bkey(stack, r.key));
      for (const dr of out.drift) if (!dr.corrected) memo.set(bkey(stack, dr.key), dr.kind);
      for (const key of skip) {
        const kind = memo.get(bkey(stack, key));
        if (kind) out.driftWhileBackingOff.push(kind);
      }
    }

    const final = await recordLifecycles(store, result.state, desired);
    if (o.outdir && result.done.length) await refreshTerraformIds(o.outdir, stack, final);
    for (const rs of Object.values(final.resources)) out.managed[rs.kind] = (out.managed[rs.kind] ?? 0) + 1;
    return out;
  } finally {
    o.holding?.(undefined);
    await lock.release();
  }
}

/** Plans the stack; a resource whose observation fails is excluded and the rest planned again. */
async function planIsolated(
  o: StackPassOptions,
  state: StackState,
  skip: Set<string>,
  onFail: (key: string, error: unknown) => void,
): Promise<StackPlan> {
  const excluded = new Set(skip);
  for (;;) {
    const desired = { ...o.desired, resources: o.desired.resources.filter((r) => !excluded.has(r.key)) };
    const partial = {
      ...state,
      resources: Object.fromEntries(Object.entries(state.resources).filter(([k]) => !excluded.has(k))),
    };
    try {
      return await planStack(o.ctx, desired, partial, { parallelism: o.parallelism });
    } catch (err) {
      if (!(err instanceof PlanError) || err.failures.every((f) => excluded.has(f.key))) throw err;
      for (const f of err.failures) {
        excluded.add(f.key);
        onFail(f.key, f.error);
      }
    }
  }
}

function note(d: Decision, out: StackOutcome, log: Logger, stack: string): void {
  const r = d.plan;
  // What a plan would note on a create or adoption (a taken
  // name, an object another stack holds): no plan is shown here.
  if (r.notice && (r.action === "create" || r.action === "adopt"))
    log.warn({ stack, key: r.key, kind: r.kind }, `${r.key}: ${r.notice}`);
  if (d.kind === "drift") {
    const rec: DriftRecord = {
      key: r.key,
      kind: r.kind,
      status: d.status,
      policy: d.policy,
      paths: r.changes.map((c) => c.path),
      corrected: false,
    };
    out.drift.push(rec);
    const fields = { stack, key: r.key, kind: r.kind, status: d.status, policy: d.policy, fields: rec.paths };
    if (d.policy === "correct") log.info(fields, driftFound(r.label, "correcting"));
    else if (d.policy === "report")
      log.warn(
        { ...fields, changes: r.changes.map((c) => ({ path: c.path, expected: c.new, actual: c.old })) },
        driftFound(r.label, "reported, not corrected"),
      );
    else log.debug(fields, `drift on ${r.label} ignored`);
  }
  if (d.kind === "retain") {
    out.retained.push(r.key);
    log.info({ stack, key: r.key, kind: r.kind, id: r.state?.id }, noLongerDeclared(r.key, RETAINED));
  }
  if (d.kind === "prune" && r.action === "delete")
    log.info(
      { stack, key: r.key, kind: r.kind, id: r.state?.id },
      noLongerDeclared(r.key, `deleting (deletionPolicy "delete")`),
    );
}

/**
 * Remembers each declared resource's lifecycle in its state entry, so that once it is removed from
 * the configuration its deletionPolicy is still known. Writes only when something changed.
 */
async function recordLifecycles(store: StateStore, read: StackState, desired: DesiredStack): Promise<StackState> {
  let state: StackState | undefined;
  for (const d of desired.resources) {
    const rs = read.resources[d.key];
    if (!rs) continue;
    const want = d.lifecycle && Object.keys(d.lifecycle).length ? d.lifecycle : undefined;
    if (sameLifecycle(rs.lifecycle, want)) continue;
    state ??= { ...read, resources: { ...read.resources } };
    const { lifecycle: _old, ...rest } = rs;
    state.resources[d.key] = want ? { ...rest, lifecycle: want } : rest;
  }
  return state ? store.write(state) : read;
}
