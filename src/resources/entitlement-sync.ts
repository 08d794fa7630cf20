import { z } from "zod";
import type { RepositoryToken } from "../api/cloudsmith";
import { canonicalJson } from "../util/canonical";
import { repositorySlug, slug } from "./common";
import { ENTITLEMENT_TOKEN_KIND, listTokens, MANAGED_FIELDS, tokensCacheKey } from "./entitlement-token";
import type { FieldChange, HandlerContext, Observed, ResourceHandler } from "./types";

export const ENTITLEMENT_SYNC_KIND = "EntitlementSync";

export const EntitlementSyncSpecSchema = z
  .object({
    owner: slug("owner"),
    source: repositorySlug("source", "owner"),
    target: repositorySlug("target", "owner"),
    replaceTargetTokens: z.literal(true, {
      error:
        "replaceTargetTokens must be true: syncing DELETES every token of the target repository and replaces them with copies of the source's; set it to acknowledge that",
    }),
  })
  .strict()
  .refine((s) => s.source !== s.target, { error: "source and target must be different repositories", path: ["target"] });

export type EntitlementSyncSpec = z.output<typeof EntitlementSyncSpecSchema>;

/**
 * What a synced token must match: the managed fields a sync copies (not the name, which keys the
 * comparison, nor private broadcasts, which have their own toggle) plus the default flag; never
 * slugs, values, usage or times.
 */
const COMPARED = [...MANAGED_FIELDS.filter((f) => f !== "name" && f !== "access_private_broadcasts"), "default"];

/** name → compact, non-secret description of a token, for comparing two repositories' sets. */
function describeSet(tokens: RepositoryToken[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tokens) {
    const r = t as Record<string, unknown>;
    const d: Record<string, unknown> = {};
    for (const f of COMPARED) {
      let v = r[f] ?? null;
      if (typeof v === "string" && f.startsWith("limit_date")) v = new Date(v).toISOString();
      if (f === "limit_bandwidth_unit" && r.limit_bandwidth == null) v = null;
      if (v !== null && v !== false) d[f] = v;
    }
    out[String(t.name)] = canonicalJson(d);
  }
  return out;
}

const syncId = (s: EntitlementSyncSpec) => `${s.owner}.${s.source}.${s.target}`;

async function observeSync(ctx: HandlerContext, spec: EntitlementSyncSpec, conn: Parameters<ResourceHandler["observe"]>[3]): Promise<Observed> {
  const client = ctx.clients.cloudsmith(conn);
  const [source, target] = await Promise.all([listTokens(ctx, client, spec.owner, spec.source), listTokens(ctx, client, spec.owner, spec.target)]);
  return { id: syncId(spec), fields: { tokens: describeSet(target) }, hints: { source: describeSet(source) } };
}

export function syncChanges(source: Record<string, string>, target: Record<string, string>): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const name of Object.keys(source).sort()) {
    if (!(name in target)) changes.push({ path: `tokens["${name}"]`, old: null, new: "gained (copied from source)", effect: "update" });
    else if (source[name] !== target[name]) changes.push({ path: `tokens["${name}"]`, old: "differs from source", new: "replaced by the source's copy", effect: "update" });
  }
  for (const name of Object.keys(target).sort()) {
    if (!(name in source)) changes.push({ path: `tokens["${name}"]`, old: "present", new: null, effect: "update" });
  }
  return changes;
}

/**
 * Keeps a target repository's tokens equal to a source's through POST …/{target}/sync/ {source}
 * (seed 000). Drift is judged by what the API returns for both sets, never by slug_perm: a sync
 * gives every copy a new one.
 */
export const entitlementSyncHandler: ResourceHandler<EntitlementSyncSpec> = {
  kind: ENTITLEMENT_SYNC_KIND,
  spec: EntitlementSyncSpecSchema,
  // After the tokens of the same apply: the source must be final before it is copied.
  phase: 1,
  describe: (s) => `${s.owner}/${s.source} -> ${s.owner}/${s.target}`,

  // Any token of the source repository that this apply creates, changes, rotates or deletes: the
  // target must get the source's final set, new secret values included (which no list shows).
  // And a sync that fills this one's source (a chain prod -> staging -> dev): this one copies its result.
  dependsOn(spec, other) {
    const t = other.spec as { owner?: string; repository?: string; target?: string } | undefined;
    if (other.kind === ENTITLEMENT_SYNC_KIND) return t?.owner === spec.owner && t?.target === spec.source;
    return other.kind === ENTITLEMENT_TOKEN_KIND && t?.owner === spec.owner && t?.repository === spec.source;
  },

  observe: (ctx, _key, spec, conn) => observeSync(ctx, spec, conn),

  diff(_key, _spec, observed) {
    return syncChanges((observed.hints?.source ?? {}) as Record<string, string>, observed.fields.tokens as Record<string, string>);
  },

  planCreate: (_key, spec) => ({ owner: spec.owner, source: spec.source, target: spec.target }),

  async create(ctx, key, spec, conn) {
    return this.update(ctx, key, spec, conn, await observeSync(ctx, spec, conn), []);
  },

  async update(ctx, _key, spec, conn) {
    const client = ctx.clients.cloudsmith(conn);
    try {
      await client.entitlements.sync(spec.owner, spec.target, spec.source);
    } catch (err) {
      // Not retried blindly (it is destructive): if the reply was lost, look at what the target holds.
      if (!(err as { ambiguous?: boolean }).ambiguous) throw err;
      ctx.invalidate(tokensCacheKey(client, spec.owner, spec.target));
      const after = await observeSync(ctx, spec, conn);
      if (syncChanges(after.hints!.source as Record<string, string>, after.fields.tokens as Record<string, string>).length) throw err;
      return after;
    }
    // The reply may be one page only (cloudsmith-cli reads pagination headers on it): re-list instead.
    ctx.invalidate(tokensCacheKey(client, spec.owner, spec.target));
    const after = await observeSync(ctx, spec, conn);
    return { id: after.id, fields: after.fields };
  },

  async observeState(ctx, state, conn) {
    const spec = state.spec as EntitlementSyncSpec;
    return observeSync(ctx, spec, conn).catch(() => undefined);
  },

  foundBy: (spec) => `${spec.owner}/${spec.target} already has ${spec.owner}/${spec.source}'s tokens`,

  deleteNotice: () => "a sync has no remote object of its own: the target repository keeps its tokens as they are",
  deleteForgets: () => true,

  async delete() {
    /* nothing to delete remotely; see deleteNotice */
  },
};
