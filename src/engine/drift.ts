import { presentationOf } from "../resources/contract";
import { handlerFor } from "../resources/registry";
import type { FieldChange } from "../resources/types";
import { settleAll } from "../util/pool";
import type { RunContext } from "./context";
import { PlanError, parseSpec, prefetch } from "./plan";
import type { StackState } from "./state/types";

export interface DriftItem {
  stack: string;
  key: string;
  kind: string;
  label: string;
  /** deleted: the remote object is gone; changed: fields differ from what was last applied. */
  status: "deleted" | "changed";
  changes: FieldChange[];
}

/**
 * Refresh-only comparison: what exists now against what reposmith last applied (the state's spec),
 * not against the configuration — so a configuration edit not yet applied is not "drift".
 */
export async function driftStack(ctx: RunContext, state: StackState, parallelism = 10): Promise<DriftItem[]> {
  const entries = Object.entries(state.resources);
  prefetch(
    ctx,
    entries.map(([key, rs]) => ({ kind: rs.kind, key, spec: rs.spec, conn: rs.connection })),
  );
  const results = await settleAll(entries, parallelism, async ([key, rs]): Promise<DriftItem | undefined> => {
    const handler = handlerFor(rs.kind);
    const words = presentationOf(handler);
    const spec = parseSpec(handler, key, rs.spec);
    const base = { stack: state.stack, key, kind: rs.kind, label: words.describe(spec) };
    const observed = await handler.observe(ctx, key, spec, rs.connection, rs);
    if (!observed) return { ...base, status: "deleted", changes: [] };
    // diff() speaks as a plan (old = remote, new = wanted); drift reads "was applied -> is now"
    // (Presentation.driftChanges).
    const changes = words.driftChanges(key, spec, observed, rs);
    if (observed.id !== rs.id) changes.unshift({ path: "id", old: rs.id, new: observed.id, effect: "replace" });
    return changes.length ? { ...base, status: "changed", changes } : undefined;
  });
  const failures = results.flatMap((r, i) =>
    r.status === "rejected" ? [{ key: entries[i][0], error: r.reason }] : [],
  );
  if (failures.length) throw new PlanError(failures);
  return results.flatMap((r) => (r.status === "fulfilled" && r.value ? [r.value] : []));
}
