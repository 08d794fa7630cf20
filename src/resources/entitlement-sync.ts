import { z } from "zod";
import { repositorySlug, slug } from "./common";
import { comparedFields, describeSet, differencesAfterSync } from "./entitlement-sync-fields";
import { ENTITLEMENT_TOKEN_KIND } from "./entitlement-token-spec";
import { listTokens, requireReadable, tokensCacheKey } from "./entitlement-token-lookup";
import type { ResourceHandler } from "./contract";
import { lookUntilListed } from "./read-back";
import type { ConnectionRef, FieldChange, HandlerContext, Observed } from "./types";

export const ENTITLEMENT_SYNC_KIND = "EntitlementSync";

export const EntitlementSyncSpecSchema = z
  .object({
    owner: slug("owner"),
    source: repositorySlug("source", "owner"),
    target: repositorySlug("target", "owner"),
    replaceTargetTokens: z.literal(true, {
      error:
        "replaceTargetTokens must be true: syncing DELETES every token of the target repository and replaces them " +
        "with copies of the source's; set it to acknowledge that",
    }),
  })
  .strict()
  .refine((s) => s.source !== s.target, {
    error: "source and target must be different repositories",
    path: ["target"],
  });

export type EntitlementSyncSpec = z.output<typeof EntitlementSyncSpecSchema>;

const syncId = (s: EntitlementSyncSpec) => `${s.owner}.${s.source}.${s.target}`;

/** What syncs of ours were seen not to carry (field names, or `tokens["name"]`), as state remembers it. */
function notCarriedOf(fields: Record<string, unknown> | undefined): string[] {
  const v = fields?.not_carried;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

async function observeSync(
  ctx: HandlerContext,
  spec: EntitlementSyncSpec,
  conn: ConnectionRef | undefined,
  notCarried: string[] = [],
): Promise<Observed> {
  const client = ctx.clients.cloudsmith(conn);
  const [source, target] = await Promise.all([
    listTokens(ctx, client, spec.owner, spec.source),
    listTokens(ctx, client, spec.owner, spec.target),
  ]);
  // A token the API answered malformed cannot be compared: this sync fails, naming it.
  for (const t of source) requireReadable(spec.owner, spec.source, t);
  for (const t of target) requireReadable(spec.owner, spec.target, t);
  const fields = comparedFields(notCarried);
  return {
    id: syncId(spec),
    fields: { tokens: describeSet(target, fields), not_carried: notCarried },
    hints: { source: describeSet(source, fields) },
  };
}

/** The plan's changes between the two sets; a token in `notCarried` (`tokens["name"]`) is left out. */
function syncChanges(
  source: Record<string, string>,
  target: Record<string, string>,
  notCarried: readonly string[] = [],
): FieldChange[] {
  const changes: FieldChange[] = [];
  const path = (name: string) => `tokens["${name}"]`;
  for (const name of Object.keys(source).sort()) {
    if (notCarried.includes(path(name))) continue;
    if (!(name in target))
      changes.push({ path: path(name), old: null, new: "gained (copied from source)", effect: "update" });
    else if (source[name] !== target[name])
      changes.push({
        path: path(name),
        old: "differs from source",
        new: "replaced by the source's copy",
        effect: "update",
      });
  }
  for (const name of Object.keys(target).sort()) {
    if (!(name in source) && !notCarried.includes(path(name)))
      changes.push({ path: path(name), old: "present", new: null, effect: "update" });
  }
  return changes;
}

/**
 * What differs right after a sync of ours is what the API's sync does not carry: syncing again
 * could not change it, and every sync wipes the target's tokens. So it is said once, remembered
 * (`not_carried`) and left out of later comparisons, instead of being synced again on every run.
 */
async function afterOurSync(
  ctx: HandlerContext,
  key: string,
  spec: EntitlementSyncSpec,
  conn: ConnectionRef | undefined,
  before: string[],
): Promise<Observed> {
  const client = ctx.clients.cloudsmith(conn);
  // What a sync of ours leaves shows in lists only once they have caught up (list lag: both the
  // target's new copies and this run's writes to the source may be missing): a difference counts as
  // "not carried" only if it is still there once the list lag has passed.
  let differs: { what: string; example: string }[] = [];
  await lookUntilListed(ctx, async () => {
    ctx.invalidate(tokensCacheKey(client, spec.owner, spec.source));
    ctx.invalidate(tokensCacheKey(client, spec.owner, spec.target));
    const [source, target] = await Promise.all([
      listTokens(ctx, client, spec.owner, spec.source),
      listTokens(ctx, client, spec.owner, spec.target),
    ]);
    differs = differencesAfterSync(source, target);
    return differs.every((d) => before.includes(d.what)) ? true : undefined;
  });
  const fresh = differs.filter((d) => !before.includes(d.what));
  if (fresh.length) {
    ctx.notice(
      `${key}: not carried by the API's sync from ${spec.owner}/${spec.source} to ${spec.owner}/${spec.target}: ` +
        `${fresh.map((d) => `${d.what} (${d.example})`).join(", ")}; not compared from now on, so ` +
        `${fresh.length === 1 ? "it never causes" : "they never cause"} another sync`,
    );
  }
  const after = await observeSync(
    ctx,
    spec,
    conn,
    differs.map((d) => d.what),
  );
  return { id: after.id, fields: after.fields };
}

/**
 * Whether a change to `other` changes what a sync copies: any token of the source repository that
 * an apply creates, changes, rotates or deletes (the target must get the source's final set, new
 * secret values included, which no list shows), and a sync that fills this one's source (a chain
 * prod -> staging -> dev), whose result this one copies.
 */
export function syncDependsOn(spec: EntitlementSyncSpec, other: { kind: string; spec: unknown }): boolean {
  const t = other.spec as { owner?: string; repository?: string; target?: string } | undefined;
  if (other.kind === ENTITLEMENT_SYNC_KIND) return t?.owner === spec.owner && t?.target === spec.source;
  return other.kind === ENTITLEMENT_TOKEN_KIND && t?.owner === spec.owner && t?.repository === spec.source;
}

/**
 * Keeps a target repository's tokens equal to a source's through POST …/{target}/sync/ {source}
 * (https://docs.cloudsmith.com/api/entitlements/sync). Drift is judged by what the API returns for
 * both sets, never by slug_perm (a sync gives every copy a new one), and only on what a sync is
 * documented to carry (entitlement-sync-fields.ts).
 */
export const entitlementSyncHandler: ResourceHandler<EntitlementSyncSpec> = {
  kind: ENTITLEMENT_SYNC_KIND,
  spec: EntitlementSyncSpecSchema,

  observe: (ctx, _key, spec, conn, state) => observeSync(ctx, spec, conn, notCarriedOf(state?.observed)),

  diff(_key, _spec, observed) {
    return syncChanges(
      (observed.hints?.source ?? {}) as Record<string, string>,
      observed.fields.tokens as Record<string, string>,
      notCarriedOf(observed.fields),
    );
  },

  async create(ctx, key, spec, conn) {
    return this.update(ctx, key, spec, conn, await observeSync(ctx, spec, conn), []);
  },

  async update(ctx, key, spec, conn, observed) {
    const client = ctx.clients.cloudsmith(conn);
    const before = notCarriedOf(observed.fields);
    try {
      await client.entitlements.sync(spec.owner, spec.target, spec.source);
    } catch (err) {
      // Not retried blindly (it is destructive): if the reply was lost, look at what the target holds.
      if (!(err as { ambiguous?: boolean }).ambiguous) throw err;
      ctx.invalidate(tokensCacheKey(client, spec.owner, spec.target));
      const after = await observeSync(ctx, spec, conn, before);
      if (
        syncChanges(
          after.hints!.source as Record<string, string>,
          after.fields.tokens as Record<string, string>,
          before,
        ).length
      )
        throw err;
      return after;
    }
    // The reply may be one page only (cloudsmith-cli reads pagination headers on it): re-list instead.
    return afterOurSync(ctx, key, spec, conn, before);
  },

  async observeState(ctx, state, conn) {
    const spec = state.spec as EntitlementSyncSpec;
    return observeSync(ctx, spec, conn, notCarriedOf(state.observed)).catch(() => undefined);
  },

  async delete() {
    /* nothing to delete remotely: see deletion */
  },

  planning: {
    // After the tokens of the same apply: the source must be final before it is copied.
    phase: 1,
    dependsOn: syncDependsOn,
  },

  presentation: {
    describe: (s) => `${s.owner}/${s.source} -> ${s.owner}/${s.target}`,
    createFields: (_key, spec) => ({ owner: spec.owner, source: spec.source, target: spec.target }),
    foundBy: (spec) => `${spec.owner}/${spec.target} already has ${spec.owner}/${spec.source}'s tokens`,
    deleteNotice: () => "a sync has no remote object of its own: the target repository keeps its tokens as they are",
  },

  // A sync has no remote object of its own: removing it changes nothing remotely.
  deletion: { removes: () => false, forgets: () => true },
};
