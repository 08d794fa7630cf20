import { handlerFor } from "../resources/registry";
import { deleteForgets, deleteRemoves, phaseOf, presentationOf, type ResourceHandler } from "../resources/contract";
import type { ConnectionRef, FieldChange, Observed, ResourceState } from "../resources/types";
import { formatIssues } from "../resources/common";
import type { Lifecycle } from "../resources/lifecycle";
import { settleAll } from "../util/pool";
import type { RunContext } from "./context";
import type { DesiredResource, DesiredStack } from "./desired";
import { shapeStack } from "./passes";
import { PlanError, type ResourcePlan, type StackPlan, type Plan } from "./plan-types";
import type { StackState } from "./state/types";
import { RETAINED } from "./messages";

export * from "./plan-types";

class SpecError extends Error {
  constructor(key: string, kind: string, issues: string[]) {
    super(`${key} (${kind}) has an invalid spec in the synthesized stack: ${issues.join("; ")}`);
    this.name = "SpecError";
  }
}

/** A spec validated by its kind's schema; a spec that does not validate fails its resource's plan. */
export function parseSpec(handler: ResourceHandler<unknown>, key: string, raw: unknown): unknown {
  const r = handler.spec.safeParse(raw);
  if (!r.success) throw new SpecError(key, handler.kind, formatIssues(r.error));
  return r.data;
}

/** A declared resource's spec, parsed (once per stack file's bytes: see DesiredResource.parsedSpec). */
const specOf = (handler: ResourceHandler<unknown>, d: DesiredResource): unknown =>
  d.parsedSpec ?? parseSpec(handler, d.key, d.spec);

export interface PlanOptions {
  /** Plan the removal of everything (destroy). */
  destroy?: boolean;
  /** How many observations run at once. */
  parallelism?: number;
  /** The caller already started the declared resources' batched reads (planAll does, for every stack at once). */
  declaredPrefetched?: boolean;
}

/** Observes every declared and remembered resource of one stack and decides what to do with each. */
export async function planStack(
  ctx: RunContext,
  desired: DesiredStack,
  state: StackState,
  opts: PlanOptions = {},
): Promise<StackPlan> {
  const parallelism = opts.parallelism ?? 10;
  const declared = new Set<string>();
  for (const r of desired.resources) declared.add(r.key);
  const orphans: [string, ResourceState][] = [];
  for (const key in state.resources) if (opts.destroy || !declared.has(key)) orphans.push([key, state.resources[key]]);

  prefetch(ctx, [
    ...(opts.declaredPrefetched ? [] : desired.resources.map(prefetchItem)),
    ...orphans.map(([key, rs]) => ({ kind: rs.kind, key, spec: rs.spec, conn: rs.connection })),
  ]);
  const declaredResults = await settleAll(desired.resources, parallelism, (d) =>
    planDeclared(ctx, d, state.resources[d.key], !!opts.destroy),
  );
  // In a destroy, `orphans` also holds declared entries (their removal is planned by planDeclared).
  const undeclared = opts.destroy ? orphans.filter(([key]) => !declared.has(key)) : orphans;
  const orphanResults = await settleAll(undeclared, parallelism, ([key, rs]) => planOrphan(ctx, desired.name, key, rs));

  const failures: { key: string; error: unknown }[] = [];
  const resources: ResourcePlan[] = [];
  const collect = (results: PromiseSettledResult<ResourcePlan>[], keys: string[]) =>
    results.forEach((r, i) =>
      r.status === "fulfilled" ? resources.push(r.value) : failures.push({ key: keys[i], error: r.reason }),
    );
  collect(
    declaredResults,
    desired.resources.map((r) => r.key),
  );
  collect(
    orphanResults,
    undeclared.map(([k]) => k),
  );
  if (failures.length) throw new PlanError(failures);
  // A destroy only removes: nothing to order or spare.
  return { stack: desired.name, resources: opts.destroy ? resources : shapeStack(resources) };
}

/** What prefetch needs of a resource; `parsed` when its spec is already parsed. */
export interface PrefetchItem {
  kind: string;
  key: string;
  spec: unknown;
  parsed?: unknown;
  conn: ConnectionRef | undefined;
}

/** A declared resource as prefetch takes it. */
export const prefetchItem = (r: DesiredResource): PrefetchItem => ({
  kind: r.kind,
  key: r.key,
  spec: r.spec,
  parsed: r.parsedSpec,
  conn: r.connection,
});

/** Lets each kind start its batched reads for all of these at once (see PlanningHooks.prefetch). */
export function prefetch(ctx: RunContext, items: PrefetchItem[]): void {
  const byKind = new Map<string, { spec: unknown; conn: ConnectionRef | undefined }[]>();
  for (const i of items) {
    const handler = handlerFor(i.kind);
    if (!handler.planning?.prefetch) continue;
    let spec = i.parsed;
    try {
      spec ??= parseSpec(handler, i.key, i.spec);
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

/** An explicit deletionPolicy "retain" keeps the remote object, on removal from the app and on destroy alike. */
const retains = (lifecycle: Lifecycle | undefined): boolean => lifecycle?.deletionPolicy === "retain";

export async function planDeclared(
  ctx: RunContext,
  d: DesiredResource,
  rs: ResourceState | undefined,
  destroy: boolean,
): Promise<ResourcePlan> {
  const handler = handlerFor(d.kind);
  const words = presentationOf(handler);
  const spec = specOf(handler, d);
  // The plan as a noop; outcomes below override what differs (most resources are noops, built once).
  const base: ResourcePlan = {
    stack: d.stack,
    key: d.key,
    kind: d.kind,
    label: words.describe(spec),
    action: "noop",
    changes: [],
    spec,
    generation: d.generation,
    connection: d.connection,
    lifecycle: d.lifecycle,
    state: rs,
  };
  if (d.refs?.values) base.refs = d.refs.values;
  const observed = await handler.observe(ctx, d.key, spec, d.connection, rs);
  if (destroy) {
    if (!observed) return { ...base, action: rs ? "forget" : "noop", changes: [] };
    const recorded = rs ?? {
      kind: d.kind,
      id: observed.id,
      generation: d.generation,
      spec,
      observed: observed.fields,
      appliedAt: "",
    };
    // Its "delete" does not remove the object (a sync, a default
    // token, a mirror): nothing to do when nothing is remembered.
    if (!rs && !deleteRemoves(handler, recorded)) return { ...base, action: "noop", changes: [] };
    // The declaration as it is now decides: a construct that says "retain" is kept by destroy too.
    if (retains(d.lifecycle))
      return rs
        ? { ...base, action: "forget", changes: [], observed, notice: RETAINED }
        : { ...base, action: "noop", changes: [] };
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
      return {
        ...base,
        action: "replace",
        changes: forcing.length
          ? forcing
          : [{ path: "id", old: rs!.id, new: "(known after apply)", effect: "replace" }],
        observed: old,
        createFields,
        notice: replacedNotice(handler, rs!, d),
      };
    }
    return { ...base, action: "create", changes: [], createFields };
  }
  const changes = handler.diff(d.key, spec, observed, rs);
  if (changes.some((c) => c.effect === "replace"))
    return {
      ...base,
      action: "replace",
      changes,
      observed,
      createFields: words.createFields(d.key, spec),
      notice: rs && replacedNotice(handler, rs, d),
    };
  // State names another object than the one found (a replacement stopped after its create, e.g. the
  // new copy's sync failed): if that one still exists it goes once the new one is recorded.
  const stale =
    rs && rs.id !== observed.id ? await handler.observeState(ctx, rs, rs.connection ?? d.connection) : undefined;
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
 * A resource state remembers but the configuration no longer declares: deleted, or forgotten when
 * retained or gone. `look: false` plans from state alone, without reading the object first (a
 * delete of an object already gone succeeds, by the resource contract): for deletions a caller
 * carries out at once, many at a time (the Terraform path's spool).
 */
export async function planOrphan(
  ctx: RunContext,
  stack: string,
  key: string,
  rs: ResourceState,
  look = true,
): Promise<ResourcePlan> {
  const handler = handlerFor(rs.kind);
  const spec = rs.spec;
  let label = rs.id;
  try {
    label = presentationOf(handler).describe(parseSpec(handler, key, spec));
  } catch {
    /* an old spec that no longer parses still has an id to delete by */
  }
  const observed = look ? await handler.observeState(ctx, rs, rs.connection) : { id: rs.id, fields: rs.observed };
  const base = { stack, key, kind: rs.kind, label, changes: [], state: rs, connection: rs.connection };
  if (!observed) return { ...base, action: "forget" };
  // An explicit deletionPolicy "retain" keeps the remote object when its construct goes away.
  if (retains(rs.lifecycle)) return { ...base, action: "forget", observed, notice: RETAINED };
  return {
    ...base,
    action: deleteForgets(handler, rs) ? "forget" : "delete",
    observed,
    notice: presentationOf(handler).deleteNotice(rs, rs.connection),
  };
}

export function hasChanges(plan: Plan): boolean {
  return plan.stacks.some((s) => s.resources.some((r) => r.action !== "noop"));
}
