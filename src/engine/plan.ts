import { handlerFor } from "../resources/registry";
import { deleteForgets, deleteRemoves, phaseOf, presentationOf, type ResourceHandler } from "../resources/contract";
import type { ConnectionRef, FieldChange, Observed, ResourceState } from "../resources/types";
import { formatIssues } from "../resources/common";
import type { Lifecycle } from "../resources/lifecycle";
import { settleAll } from "../util/pool";
import type { RunContext } from "./context";
import type { DesiredResource, DesiredStack } from "./desired";
import type { StackState } from "./state/types";

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
  /** For a delete that does not remove the remote object: what happens instead. */
  notice?: string;
  /** The construct's controller lifecycle (driftPolicy, deletionPolicy), kept in state. */
  lifecycle?: Lifecycle;
  /** Keys of lower-phase changes in this plan that this resource runs again after (see ResourceHandler.dependsOn). */
  after?: string[];
  /**
   * The object state still names for this key when another one is now found for it (a replacement
   * interrupted after its create): deleted once the new one is recorded.
   */
  supersedes?: ResourceState;
  /** An existing object this create collides with (ResourceHandler.createBlocker). */
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

export class SpecError extends Error {
  constructor(key: string, kind: string, issues: string[]) {
    super(`${key} (${kind}) has an invalid spec in the synthesized stack: ${issues.join("; ")}`);
    this.name = "SpecError";
  }
}

/** Parsed specs by the raw object they came from: prefetch and observe parse each spec only once. */
const parsedSpecs = new WeakMap<object, unknown>();

export function parseSpec(handler: ResourceHandler<unknown>, key: string, raw: unknown): unknown {
  if (raw && typeof raw === "object" && parsedSpecs.has(raw)) return parsedSpecs.get(raw);
  const r = handler.spec.safeParse(raw);
  if (!r.success) throw new SpecError(key, handler.kind, formatIssues(r.error));
  if (raw && typeof raw === "object") parsedSpecs.set(raw, r.data);
  return r.data;
}

export interface PlanOptions {
  /** Plan the removal of everything (destroy). */
  destroy?: boolean;
  /** How many observations run at once. */
  parallelism?: number;
  /** The caller already started the declared resources' batched reads (planAll does, for every stack at once). */
  declaredPrefetched?: boolean;
}

/** Observes every declared and remembered resource of one stack and decides what to do with each. */
export async function planStack(ctx: RunContext, desired: DesiredStack, state: StackState, opts: PlanOptions = {}): Promise<StackPlan> {
  const parallelism = opts.parallelism ?? 10;
  const declared = new Map(desired.resources.map((r) => [r.key, r]));
  const orphans = Object.entries(state.resources).filter(([key]) => opts.destroy || !declared.has(key));

  prefetch(ctx, [
    ...(opts.declaredPrefetched ? [] : desired.resources.map((r) => ({ kind: r.kind, key: r.key, spec: r.spec, conn: r.connection }))),
    ...orphans.map(([key, rs]) => ({ kind: rs.kind, key, spec: rs.spec, conn: rs.connection })),
  ]);
  const declaredResults = await settleAll(desired.resources, parallelism, (d) => planDeclared(ctx, d, state.resources[d.key], !!opts.destroy));
  const orphanResults = await settleAll(
    orphans.filter(([key]) => !declared.has(key)),
    parallelism,
    ([key, rs]) => planOrphan(ctx, desired.name, key, rs),
  );

  const failures: { key: string; error: unknown }[] = [];
  const resources: ResourcePlan[] = [];
  const collect = (results: PromiseSettledResult<ResourcePlan>[], keys: string[]) =>
    results.forEach((r, i) => (r.status === "fulfilled" ? resources.push(r.value) : failures.push({ key: keys[i], error: r.reason })));
  collect(declaredResults, desired.resources.map((r) => r.key));
  collect(orphanResults, orphans.filter(([key]) => !declared.has(key)).map(([k]) => k));
  if (failures.length) throw new PlanError(failures);
  if (!opts.destroy) {
    planDependents(resources);
    spareManaged(resources);
    spareShared(resources);
    orderBlockedCreates(resources);
  }
  return { stack: desired.name, resources };
}

/** Lets each kind start its batched reads for all of these at once (see ResourceHandler.prefetch). */
export function prefetch(ctx: RunContext, items: { kind: string; key: string; spec: unknown; conn: ConnectionRef | undefined }[]): void {
  const byKind = new Map<string, { spec: unknown; conn: ConnectionRef | undefined }[]>();
  for (const i of items) {
    const handler = handlerFor(i.kind);
    if (!handler.planning?.prefetch) continue;
    let spec: unknown;
    try {
      spec = parseSpec(handler, i.key, i.spec);
    } catch {
      continue; // reported by observe's own parse
    }
    let list = byKind.get(i.kind);
    if (!list) byKind.set(i.kind, (list = []));
    list.push({ spec, conn: i.conn });
  }
  for (const [kind, list] of byKind) handlerFor(kind).planning!.prefetch!(ctx, list);
}

/**
 * What happens to the object a replacement supersedes when its kind's delete does not remove it (a
 * CodeArts mirror is switched off, not deleted): said in the plan, as for a destroy. Uses the
 * connection apply's delete uses.
 */
function replacedNotice(handler: ResourceHandler, rs: ResourceState, d: DesiredResource): string | undefined {
  const notice = presentationOf(handler).deleteNotice(rs, rs.connection ?? d.connection);
  return notice && `the replaced ${rs.id}: ${notice}`;
}

/** Why a delete only forgets: the construct's explicit deletionPolicy "retain" (docs/architecture.md#lifecycle). */
const RETAINED_NOTICE = 'retained (deletionPolicy "retain"): the remote object is kept and no longer managed';

/** An explicit deletionPolicy "retain" keeps the remote object, on removal from the app and on destroy alike. */
const retains = (lifecycle: Lifecycle | undefined): boolean => lifecycle?.deletionPolicy === "retain";

export async function planDeclared(ctx: RunContext, d: DesiredResource, rs: ResourceState | undefined, destroy: boolean): Promise<ResourcePlan> {
  const handler = handlerFor(d.kind);
  const words = presentationOf(handler);
  const spec = parseSpec(handler, d.key, d.spec);
  // The plan as a noop; outcomes below override what differs (the common ones in place: 10,000 copies add up).
  const base: ResourcePlan = { stack: d.stack, key: d.key, kind: d.kind, label: words.describe(spec), action: "noop", changes: [], spec, generation: d.generation, connection: d.connection, lifecycle: d.lifecycle, state: rs };
  const observed = await handler.observe(ctx, d.key, spec, d.connection, rs);
  if (destroy) {
    if (!observed) return { ...base, action: rs ? "forget" : "noop", changes: [] };
    const recorded = rs ?? { kind: d.kind, id: observed.id, generation: d.generation, spec, observed: observed.fields, appliedAt: "" };
    // Its "delete" does not remove the object (a sync, a default token, a mirror): nothing to do when nothing is remembered.
    if (!rs && !deleteRemoves(handler, recorded)) return { ...base, action: "noop", changes: [] };
    // The declaration as it is now decides: a construct that says "retain" is kept by destroy too.
    if (retains(d.lifecycle)) return rs ? { ...base, action: "forget", changes: [], observed, notice: RETAINED_NOTICE } : { ...base, action: "noop", changes: [] };
    const notice = words.deleteNotice(recorded, rs?.connection ?? d.connection);
    return { ...base, action: rs && deleteForgets(handler, rs) ? "forget" : "delete", changes: [], observed, notice };
  }
  if (!observed) {
    // Not where the spec says. If the state's object still exists elsewhere (owner/repository changed),
    // this is a replacement: create the new one, then delete the old.
    const old = rs && (await handler.observeState(ctx, rs, rs.connection ?? d.connection));
    await handler.planning?.checkCreate?.(ctx, d.key, spec, d.connection);
    const createFields = words.createFields(d.key, spec);
    const blockedBy = await handler.planning?.createBlocker?.(ctx, d.key, spec, d.connection);
    if (blockedBy) base.blockedBy = blockedBy;
    if (old) {
      // Name what forces it (e.g. repository "acme/dev" -> "acme/prod") when the kind can tell.
      const forcing = handler.diff(d.key, spec, old, rs).filter((c) => c.effect === "replace");
      return { ...base, action: "replace", changes: forcing.length ? forcing : [{ path: "id", old: rs!.id, new: "(known after apply)", effect: "replace" }], observed: old, createFields, notice: replacedNotice(handler, rs!, d) };
    }
    return { ...base, action: "create", changes: [], createFields };
  }
  const changes = handler.diff(d.key, spec, observed, rs);
  if (changes.some((c) => c.effect === "replace")) return { ...base, action: "replace", changes, observed, createFields: words.createFields(d.key, spec), notice: rs && replacedNotice(handler, rs, d) };
  // State names another object than the one found (a replacement stopped after its create, e.g. the
  // new copy's sync failed): if that one still exists it goes once the new one is recorded.
  const stale = rs && rs.id !== observed.id ? await handler.observeState(ctx, rs, rs.connection ?? d.connection) : undefined;
  base.observed = observed;
  if (changes.length) {
    base.action = "update";
    base.changes = changes;
    base.notice = words.updateNotice(spec, changes, d.connection);
  } else if (!rs || rs.id !== observed.id) {
    // Found by its tag (not through state): record it. A new generation with no visible field change
    // is a noop whose state entry apply still refreshes.
    base.action = "adopt";
  }
  if (stale && deleteRemoves(handler, rs!)) {
    base.supersedes = rs;
    base.notice = `${rs!.id}, which an interrupted replacement left behind, will be deleted`;
  }
  return base;
}

/**
 * Resources that depend on other changes of the same plan (a sync on its source's tokens, or on the
 * sync that fills its source) are planned to run again after them: their own observation predates
 * those changes.
 */
function planDependents(resources: ResourcePlan[]): void {
  const changing = new Set(resources.filter((r) => r.action !== "noop" && r.action !== "adopt" && r.action !== "forget").map((r) => r.key));
  if (!changing.size) return;
  const eligible = resources.filter((r) => handlerFor(r.kind).planning?.dependsOn && r.spec !== undefined && r.action !== "create" && r.action !== "delete" && r.action !== "forget");
  if (!eligible.length) return;
  // To a fixed point: a resource planned to run again is a change its own dependents must follow (a chain of syncs).
  const deps = new Map<ResourcePlan, string[]>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of eligible) {
      const handler = handlerFor(r.kind);
      const phase = phaseOf(handler);
      const found = resources
        .filter((o) => o !== r && changing.has(o.key) && phaseOf(handlerFor(o.kind)) <= phase && handler.planning!.dependsOn!(r.spec, { kind: o.kind, spec: o.spec ?? o.state?.spec }))
        .map((o) => o.key);
      if (found.length <= (deps.get(r)?.length ?? 0)) continue;
      deps.set(r, found);
      changing.add(r.key);
      grew = true;
    }
  }
  for (const [r, keys] of deps) Object.assign(r, runAgain(r, keys));
}

/**
 * A create that collides with an existing object (a token of the same name) that this plan deletes
 * (its construct was renamed or removed): the create waits for the deletion. Any other collision
 * is explained across all stacks' state (acrossStacks in index.ts).
 */
function orderBlockedCreates(resources: ResourcePlan[]): void {
  for (const r of resources) {
    if (!r.blockedBy) continue;
    const { id, what } = r.blockedBy;
    const freeing = resources.find((o) => o.action === "delete" && (o.state?.id ?? o.observed?.id) === id);
    if (!freeing) continue;
    r.afterRemovalOf = [freeing.key];
    r.notice = joinNotices(
      r.notice,
      `${what} is deleted first (${freeing.key}, removed from the app); if this is a rename, keep it and its secret instead: reposmith state mv ${freeing.key} ${r.key}`,
    );
  }
}

export const joinNotices = (a: string | undefined, b: string) => (a ? `${a}; ${b}` : b);

/** A resource never deletes an object another resource of the stack manages (a mirror's prune, a PackageCopy's copy). */
function spareManaged(resources: ResourcePlan[]): void {
  if (!resources.some((r) => r.changes.some((c) => c.effect === "delete" && c.objectId))) return;
  const owners = new Map<string, string>();
  for (const r of resources) for (const id of [r.state?.id, r.observed?.id]) if (id) owners.set(id, r.key);
  for (const r of resources) {
    const spared = r.changes.filter((c) => c.effect === "delete" && c.objectId && owners.has(c.objectId) && owners.get(c.objectId) !== r.key);
    if (!spared.length) continue;
    r.changes = r.changes.filter((c) => !spared.includes(c));
    const notice = `kept ${spared.map((c) => `${c.objectId} (managed by ${owners.get(c.objectId!)})`).join(", ")}`;
    r.notice = r.notice ? `${r.notice}; ${notice}` : notice;
    if (!r.changes.length && r.action === "update") r.action = "noop";
  }
}

/**
 * A removed resource whose object another declared resource of the stack also manages (two
 * constructs that named one package two ways): deleting it would take it from under the other,
 * so it is only forgotten.
 */
function spareShared(resources: ResourcePlan[]): void {
  const removed = resources.filter((r) => r.action === "delete" && r.state);
  if (!removed.length) return;
  const owners = new Map<string, string>();
  for (const r of resources) {
    if (r.action === "delete" || r.action === "forget") continue;
    for (const id of [r.state?.id, r.observed?.id]) if (id) owners.set(`${r.kind}\n${id}`, r.key);
  }
  for (const r of removed) {
    const owner = owners.get(`${r.kind}\n${r.state!.id}`);
    if (!owner || owner === r.key) continue;
    r.action = "forget";
    r.notice = `not deleted: ${owner} manages the same object (${r.state!.id}); only this entry is removed from state`;
  }
}

/**
 * `r`, planned to act after `after` (keys of changes it depends on) even when it looks up to date:
 * what changed there (a rotated secret) may show nowhere.
 */
export function runAgain(r: ResourcePlan, after: string[]): ResourcePlan {
  const names = after.length <= 3 ? after.join(", ") : `${after.length} resources`;
  return {
    ...r,
    after,
    action: r.action === "noop" || r.action === "adopt" ? "update" : r.action,
    changes: [...r.changes, { path: "(after this plan's changes)", old: null, new: `run again after ${names}`, effect: "update" }],
  };
}

/** A resource state remembers but the configuration no longer declares: deleted, or forgotten when retained or gone. */
export async function planOrphan(ctx: RunContext, stack: string, key: string, rs: ResourceState): Promise<ResourcePlan> {
  const handler = handlerFor(rs.kind);
  const spec = rs.spec;
  let label = rs.id;
  try {
    label = presentationOf(handler).describe(parseSpec(handler, key, spec));
  } catch {
    /* an old spec that no longer parses still has an id to delete by */
  }
  const observed = await handler.observeState(ctx, rs, rs.connection);
  const base = { stack, key, kind: rs.kind, label, changes: [], state: rs, connection: rs.connection };
  if (!observed) return { ...base, action: "forget" };
  // An explicit deletionPolicy "retain" keeps the remote object when its construct goes away.
  if (retains(rs.lifecycle)) return { ...base, action: "forget", observed, notice: RETAINED_NOTICE };
  return { ...base, action: deleteForgets(handler, rs) ? "forget" : "delete", observed, notice: presentationOf(handler).deleteNotice(rs, rs.connection) };
}

/**
 * What an update does beyond "update", as plans and apply results count it: the objects it deletes
 * (a mirror's prunes, counted as destroys), whether it rotates a secret (counted on its own), and
 * whether it changes a field at all (a prune or a rotation alone is no change).
 */
export function updateEffects(r: ResourcePlan): { deleted: number; rotated: boolean; changed: boolean } {
  return {
    deleted: r.changes.filter((c) => c.effect === "delete").length,
    rotated: r.changes.some((c) => c.effect === "rotate"),
    changed: r.changes.some((c) => c.effect === "update" || c.effect === "reset"),
  };
}

export function summarize(stacks: StackPlan[]): Plan {
  const summary = { add: 0, change: 0, destroy: 0, adopt: 0, rotate: 0, forget: 0 };
  for (const s of stacks) {
    for (const r of s.resources) {
      if (r.action === "create") summary.add++;
      if (r.action === "update") {
        // A rotation alone is not a field change: it is counted on its own. Objects inside a
        // resource that go (packages a mirror prunes) are destroys too.
        const { deleted, rotated, changed } = updateEffects(r);
        if (changed) summary.change++;
        summary.destroy += deleted;
        if (rotated) summary.rotate++;
      }
      if (r.action === "replace") (summary.add++, summary.destroy++);
      if (r.action === "delete" || r.supersedes) summary.destroy++;
      if (r.action === "adopt" || (r.observed?.adopted && r.action === "update")) summary.adopt++;
      if (r.action === "forget") summary.forget++;
    }
  }
  return { stacks, summary };
}

export function hasChanges(plan: Plan): boolean {
  return plan.stacks.some((s) => s.resources.some((r) => r.action !== "noop"));
}
