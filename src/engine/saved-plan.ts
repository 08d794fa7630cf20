/**
 * Saved plans (`reposmith plan --out FILE`, `reposmith apply FILE`), as Terraform's: what was
 * reviewed is what gets applied. A saved plan holds every stack's actions with the desired specs
 * (secret-free by construction: specs name environment variables, observed fields are what state
 * keeps) and the serial and lineage of the state it was planned against. Applying it:
 *
 * 1. takes every planned stack's lock, and refuses (nothing written) when a stack's state is not
 *    the one the plan read: another lineage, or another serial (Terraform's "Saved plan is stale");
 * 2. reads again every object the plan acts on and refuses (nothing written) when one no longer
 *    matches what the plan read: it appeared, vanished, or differs in a field the plan compares;
 * 3. applies the plan's actions, and nothing else;
 * 4. writes each planned stack's state at least once, so the serial moves and a second apply of
 *    the same file is refused by step 1: a plan applies at most once.
 */
import { randomUUID } from "node:crypto";
import { REPOSMITH_VERSION } from "../api/version";
import { handlerFor } from "../resources/registry";
import { canonicalJson } from "../util/canonical";
import { applyStack, type ApplyEvent, type ApplyResult } from "./apply";
import { RunContext, type EngineOptions } from "./context";
import { parseSpec, planDeclared, planOrphan, prefetch, type Plan, type ResourcePlan, type StackPlan } from "./plan";
import type { StackState, StateLock, StateStore } from "./state/types";

export const PLAN_FORMAT = "reposmith-plan";
/** The saved plan's format version: a reposmith refuses a plan of a newer format. */
export const PLAN_FORMAT_VERSION = 1;

export interface SavedStack {
  stack: string;
  /** The state the plan read: its lineage, and serial (0 for a stack never written). */
  lineage: string;
  serial: number;
  resources: ResourcePlan[];
}

export interface SavedPlan {
  format: typeof PLAN_FORMAT;
  format_version: number;
  /** The reposmith that made it (information only). */
  reposmith_version: string;
  /** A random id, for logs and review tools. */
  id: string;
  created_at: string;
  destroy: boolean;
  summary: Plan["summary"];
  stacks: SavedStack[];
}

/** A plan that cannot be applied as it is: made stale by a change since, or not a plan at all. */
export class SavedPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SavedPlanError";
  }
}

/** The plan as it is saved: plain JSON, with the state it was planned against. */
export function savePlan(plan: Plan, states: ReadonlyMap<string, StackState>, destroy: boolean): SavedPlan {
  return {
    format: PLAN_FORMAT,
    format_version: PLAN_FORMAT_VERSION,
    reposmith_version: REPOSMITH_VERSION,
    id: randomUUID(),
    created_at: new Date().toISOString(),
    destroy,
    summary: plan.summary,
    stacks: plan.stacks.map((s) => {
      const state = states.get(s.stack);
      return {
        stack: s.stack,
        lineage: state?.lineage ?? "",
        serial: state?.serial ?? 0,
        // JSON's own copy: the plan keeps no shared objects or undefined values.
        resources: JSON.parse(JSON.stringify(s.resources)) as ResourcePlan[],
      };
    }),
  };
}

/** Reads a saved plan's text: its format first (a newer one is refused), then its shape, then each spec. */
export function loadPlan(text: string, file: string): SavedPlan {
  let doc: Partial<SavedPlan>;
  try {
    doc = JSON.parse(text) as Partial<SavedPlan>;
  } catch {
    throw new SavedPlanError(`${file} is not a reposmith plan (not JSON); make one with: reposmith plan --out ${file}`);
  }
  if (doc?.format !== PLAN_FORMAT)
    throw new SavedPlanError(`${file} is not a reposmith plan; make one with: reposmith plan --out ${file}`);
  if (typeof doc.format_version !== "number" || doc.format_version > PLAN_FORMAT_VERSION)
    throw new SavedPlanError(
      `${file} was written by a newer reposmith (plan format ${doc.format_version}; ` +
        `this one reads format ${PLAN_FORMAT_VERSION}): apply it with that version, or plan again`,
    );
  const stacks = doc.stacks;
  const ok =
    Array.isArray(stacks) &&
    stacks.every(
      (s) =>
        typeof s?.stack === "string" &&
        typeof s.lineage === "string" &&
        Number.isInteger(s.serial) &&
        Array.isArray(s.resources) &&
        s.resources.every(
          (r) => typeof r?.key === "string" && typeof r.kind === "string" && typeof r.action === "string",
        ),
    );
  if (!ok || typeof doc.destroy !== "boolean")
    throw new SavedPlanError(`${file} is not a whole reposmith plan (damaged or edited); plan again`);
  for (const s of stacks!)
    for (const r of s.resources) {
      // Unknown kinds and specs this version reads differently fail here, before any lock is taken.
      const handler = handlerFor(r.kind);
      if (r.spec !== undefined) r.spec = parseSpec(handler, r.key, r.spec);
    }
  return doc as SavedPlan;
}

/** What apply reads to know an object is still the one the plan read: its id and what the plan would change on it. */
function readFingerprint(r: ResourcePlan, observed: ResourcePlan["observed"]): string {
  if (!observed) return "absent";
  const declared = r.generation !== undefined && r.spec !== undefined;
  const changes = declared ? handlerFor(r.kind).diff(r.key, r.spec, observed, r.state) : [];
  return canonicalJson({ id: observed.id, changes });
}

/** The object a planned resource acts on, read again now (as planning read it). */
async function readAgain(ctx: RunContext, r: ResourcePlan, destroy: boolean): Promise<ResourcePlan> {
  if (r.generation === undefined || r.spec === undefined) return planOrphan(ctx, r.stack, r.key, r.state!);
  return planDeclared(
    ctx,
    {
      stack: r.stack,
      key: r.key,
      kind: r.kind,
      spec: r.spec,
      generation: r.generation,
      connection: r.connection,
      lifecycle: r.lifecycle,
    },
    r.state,
    destroy,
  );
}

export interface SavedApplyRun {
  results: ApplyResult[];
  ctx: RunContext;
}

/**
 * Applies a saved plan exactly (see the head of this file); throws SavedPlanError, having written
 * nothing, when the state or an object changed since it was made.
 */
export async function applySavedPlan(
  opts: EngineOptions & { store: StateStore; parallelism?: number; onEvent?: (e: ApplyEvent) => void },
  saved: SavedPlan,
): Promise<SavedApplyRun> {
  const { store } = opts;
  const locks: StateLock[] = [];
  try {
    const states = new Map<string, StackState>();
    for (const s of saved.stacks) {
      locks.push(await store.lock(s.stack, "reposmith apply (saved plan)"));
      const state = await store.read(s.stack);
      const same = s.serial === 0 ? state.serial === 0 : state.lineage === s.lineage && state.serial === s.serial;
      if (!same)
        throw new SavedPlanError(
          `the saved plan is stale: the state of stack "${s.stack}" changed since the plan was made ` +
            (state.lineage === s.lineage || s.serial === 0
              ? `(serial ${state.serial}, the plan read serial ${s.serial}`
              : `(lineage ${state.lineage}, the plan read lineage ${s.lineage}`) +
            `: this plan was applied already, or another apply ran). Nothing was changed; ` +
            `run "reposmith plan --out FILE" again`,
        );
      states.set(s.stack, state);
    }

    // Every object the plan acts on, read again now that no one else can write state.
    const ctx = new RunContext(opts);
    const acting = saved.stacks.flatMap((s) => s.resources.filter((r) => r.action !== "noop"));
    prefetch(
      ctx,
      acting.map((r) => ({ kind: r.kind, key: r.key, spec: r.spec ?? r.state?.spec, conn: r.connection })),
    );
    const fresh = await Promise.all(acting.map((r) => readAgain(ctx, r, saved.destroy)));
    const changed = acting.filter((r, i) => readFingerprint(r, r.observed) !== readFingerprint(r, fresh[i].observed));
    if (changed.length)
      throw new SavedPlanError(
        `the saved plan is stale: ${changed.map((r) => `${r.key} (${r.kind} ${r.label})`).join(", ")} ` +
          `changed since the plan read ${changed.length === 1 ? "it" : "them"} ` +
          `(created, deleted or edited outside this plan). ` +
          `Nothing was changed; run "reposmith plan --out FILE" again`,
      );
    const now = new Map(acting.map((r, i) => [r, fresh[i].observed]));

    const results: ApplyResult[] = [];
    // As applyAll: a stack that deletes what another stack's create needs goes first.
    const freeing = new Set(saved.stacks.flatMap((s) => s.resources.flatMap((r) => r.afterRemovalOf ?? [])));
    const order = [...saved.stacks].sort(
      (a, b) =>
        Number(!a.resources.some((r) => freeing.has(r.key))) - Number(!b.resources.some((r) => freeing.has(r.key))),
    );
    for (const s of order) {
      const plan: StackPlan = {
        stack: s.stack,
        resources: s.resources.map((r) => (now.has(r) ? { ...r, observed: now.get(r) ?? r.observed } : r)),
      };
      const before = states.get(s.stack)!;
      const result = await applyStack(ctx, plan, store, before, {
        parallelism: opts.parallelism,
        onEvent: opts.onEvent,
        destroy: saved.destroy,
      });
      // Nothing written (every action failed, or none changed state): written once anyway, so the
      // serial moves and this plan cannot be applied a second time.
      if (result.state.serial === before.serial) result.state = await store.write(result.state);
      results.push(result);
    }
    return { results, ctx };
  } finally {
    for (const l of locks) await l.release();
  }
}
