import { isNotFound, isRejected, type CloudsmithClient, type RepositoryToken } from "../api/cloudsmith";
import { canonicalJson } from "../util/canonical";
import { isBefore } from "./common";
import { parseDuration } from "./duration";
import {
  lookUntilListed,
  ReadBackError,
  waitForActive,
  waitForPrivateBroadcasts,
  waitUntilReadable,
} from "./read-back";
import {
  ENTITLEMENT_TOKEN_KIND,
  EntitlementTokenSpecSchema,
  KEY_TAG,
  MANAGED_BY,
  MANAGED_BY_VALUE,
  TOKEN_FIELDS,
  desiredFields,
  type EntitlementTokenSpec,
  type ManagedField,
} from "./entitlement-token-spec";
import type { ResourceHandler } from "./contract";
import {
  findToken,
  indexedTokens,
  listedToken,
  listedTokenId,
  listTokens,
  malformedNamesake,
  observedFields,
  requireReadable,
  type ListedToken,
  parseTokenId,
  stateSlug,
  inRepository,
  tokensCacheKey,
  toObserved,
} from "./entitlement-token-lookup";
import type { ConnectionRef, HandlerContext, Observed, ResourceState } from "./types";
import { notManaged, triggersChanged } from "./messages";

export * from "./entitlement-token-spec";

/**
 * Changed through their own endpoints rather than PATCH, as terraform-provider-cloudsmith's
 * entitlement control does
 * (https://github.com/cloudsmith-io/terraform-provider-cloudsmith/blob/master/cloudsmith/resource_entitlement_control.go).
 */
const ACTION_FIELDS = new Set<string>(["is_active", "access_private_broadcasts"]);

/**
 * Why a rotation is due now, or undefined. Triggers compare with the last applied spec; maxAge with the last rotation.
 */
function rotationReason(
  spec: EntitlementTokenSpec,
  state: ResourceState | undefined,
  rotatedAt: unknown,
  clock: Pick<HandlerContext, "now">,
): string | undefined {
  const prev = (state?.spec as EntitlementTokenSpec | undefined)?.rotation?.triggers;
  const next = spec.rotation?.triggers;
  if (state && next && canonicalJson(prev ?? {}) !== canonicalJson(next)) {
    const changed = Object.keys({ ...prev, ...next }).filter((k) => prev?.[k] !== next[k]);
    return triggersChanged("rotation", changed);
  }
  // Most tokens have no maxAge: no dates to read for them.
  if (spec.rotation?.maxAge === undefined || !rotatedAt) return undefined;
  const maxAge = parseDuration(spec.rotation.maxAge);
  const since = Date.parse(String(rotatedAt));
  if (maxAge && !Number.isNaN(since) && clock.now().getTime() - since >= maxAge) {
    return `older than ${spec.rotation!.maxAge} (last rotated ${new Date(since).toISOString()})`;
  }
  return undefined;
}

function resetReason(spec: EntitlementTokenSpec, state: ResourceState | undefined): string | undefined {
  const prev = (state?.spec as EntitlementTokenSpec | undefined)?.resetTriggers;
  const next = spec.resetTriggers;
  if (!state || !next || canonicalJson(prev ?? {}) === canonicalJson(next)) return undefined;
  return triggersChanged(
    "reset",
    Object.keys({ ...prev, ...next }).filter((k) => prev?.[k] !== next[k]),
  );
}

/**
 * The version a read-back after an action shows (its `updated_at`), for state: an action answers no
 * body, and a plan compares what the API shows with the newest version known (see observe).
 */
const versionOf = (t: RepositoryToken): { updated_at?: string } =>
  typeof t.updated_at === "string" ? { updated_at: t.updated_at } : {};

/** One token by its slug_perm, as a listed token; undefined when it answers 404. */
function readListed(
  client: CloudsmithClient,
  owner: string,
  repo: string,
  slugPerm: string,
): Promise<{ token: ListedToken; adopted: boolean } | undefined> {
  return client.entitlements.read(owner, repo, slugPerm).then(
    (token) => ({ token: listedToken(token), adopted: false }),
    (err) => (isNotFound(err) ? undefined : Promise.reject(err)),
  );
}

const isSpec = (spec: unknown): spec is EntitlementTokenSpec => typeof spec === "object" && spec !== null;

const isDefaultToken = (state: ResourceState): boolean =>
  !!(state.spec as EntitlementTokenSpec | undefined)?.defaultToken;

/**
 * The token of the repository that already has the declared name, which a create would collide
 * with: names are unique per repository, except in older repositories (cloudsmith-cli's help:
 * "May not apply to older repositories"). Where the list shows two tokens of one name, a name
 * collides with nothing, so none is named (a create there is never refused for its name).
 */
async function nameTaken(
  ctx: HandlerContext,
  _key: string,
  spec: EntitlementTokenSpec,
  conn: ConnectionRef | undefined,
): Promise<{ id: string; what: string } | undefined> {
  if (spec.defaultToken) return undefined;
  const client = ctx.clients.cloudsmith(conn);
  const { tokens, namesRepeat } = await indexedTokens(ctx, client, spec.owner, spec.repository);
  if (namesRepeat) return undefined;
  const t = tokens.find((x) => x.name === spec.name);
  return (
    t && {
      id: listedTokenId(spec.owner, spec.repository, t),
      what: `a token named "${spec.name}" in ${spec.owner}/${spec.repository}`,
    }
  );
}

export const entitlementTokenHandler: ResourceHandler<EntitlementTokenSpec> = {
  kind: ENTITLEMENT_TOKEN_KIND,
  spec: EntitlementTokenSpecSchema,

  async observe(ctx, key, spec, conn, state) {
    const client = ctx.clients.cloudsmith(conn);
    const slugPerm = stateSlug(state, spec.owner, spec.repository);
    const index = await indexedTokens(ctx, client, spec.owner, spec.repository);
    let found = findToken(index, key, spec, slugPerm);
    // A list may lag a create (docs/api/cloudsmith.md#eventual-consistency): the token state knows
    // is read before it is called gone, so a plan right after an apply never creates it again.
    if (slugPerm && found?.token.slug_perm !== slugPerm)
      found = (await readListed(client, spec.owner, spec.repository, slugPerm)) ?? found;
    // A token the API answered malformed that may be this one: neither compared nor duplicated.
    const unsure = found ? undefined : malformedNamesake(index.tokens, spec.name);
    if (unsure) requireReadable(spec.owner, spec.repository, unsure);
    if (!found) return undefined;
    requireReadable(spec.owner, spec.repository, found.token);
    const sameToken = slugPerm !== undefined && slugPerm === found.token.slug_perm;
    // A list or a read may show a version older than the one our own last write answered (list or
    // read-after-PATCH lag): what state recorded of that write is then the newest known, and a plan
    // right after an apply shows no drift the lag made.
    const token =
      sameToken && isBefore(found.token.updated_at, state!.observed.updated_at)
        ? listedToken(state!.observed as ListedToken)
        : found.token;
    const observed = sameToken
      ? toObserved(spec.owner, spec.repository, token, state!.observed.rotated_at, found.adopted, state!.id)
      : toObserved(spec.owner, spec.repository, token, undefined, found.adopted);
    const rotation = rotationReason(spec, state, observed.fields.rotated_at, ctx);
    const reset = resetReason(spec, state);
    // Most tokens have neither due: no hints object for them.
    if (rotation || reset) observed.hints = { rotation, reset };
    return observed;
  },

  diff(key, spec, observed, state) {
    if (!inRepository(observed.id, spec.owner, spec.repository)) {
      const id = parseTokenId(observed.id);
      return [
        {
          path: "repository",
          old: `${id.owner}/${id.repository}`,
          new: `${spec.owner}/${spec.repository}`,
          effect: "replace",
        },
      ];
    }
    const desired = desiredFields(key, spec);
    const ignored: readonly string[] = spec.ignoreChanges ?? [];
    // A field not compared for drift is compared with what the spec last applied asked for.
    const applied = () => (isSpec(state?.spec) ? desiredFields(key, state.spec) : undefined);
    const changes = TOKEN_FIELDS.changes(desired, observed.fields, ignored, applied);
    const rotation = observed.hints?.rotation;
    if (rotation)
      changes.push({ path: "token", old: "(sensitive value)", new: `(new value: ${rotation})`, effect: "rotate" });
    const reset = observed.hints?.reset;
    if (reset)
      changes.push({
        path: "usage",
        old: "(downloads, clients, bandwidth)",
        new: `(zeroed: ${reset})`,
        effect: "reset",
      });
    return changes;
  },

  async create(ctx, key, spec, conn) {
    const client = ctx.clients.cloudsmith(conn);
    const { owner, repository } = spec;
    if (spec.defaultToken)
      throw new Error(
        `${key}: ${owner}/${repository} has no default token to adopt; Cloudsmith creates it with the repository`,
      );
    if (spec.limits.pathQuery)
      ctx.notice(`${key}: limits.pathQuery is deprecated by Cloudsmith; prefer limits.packageQuery`);
    const { access_private_broadcasts, ...body } = desiredFields(key, spec);
    // A POST that failed after it was sent may still have created the token. Never send it again
    // blindly: list again and adopt the token carrying our key if it is there; send it again only
    // when it is not (docs/api/cloudsmith.md#post-is-not-idempotent), and only once the list lag has
    // passed (a new token may show in lists only later: lookUntilListed).
    const tagged = () =>
      lookUntilListed(ctx, async () => {
        ctx.invalidate(tokensCacheKey(client, owner, repository));
        return findToken(await indexedTokens(ctx, client, owner, repository), key, spec)?.token;
      });
    let created: Observed;
    try {
      const t = await client.entitlements.create(owner, repository, body as never, { landed: tagged });
      created = toObserved(owner, repository, listedToken(t));
    } catch (err) {
      // The name is taken (Cloudsmith: unique per repository): say by which token, and how to take it over.
      // A field error is a 422 by Cloudsmith's documentation, a 400 by some servers: either will do.
      // Not where names repeat (nameTaken): the refusal is then about something else in the name.
      if (isRejected(err) && err.fields.name) {
        ctx.invalidate(tokensCacheKey(client, owner, repository));
        const blocker = await nameTaken(ctx, key, spec, conn).catch(() => undefined);
        if (blocker) throw new Error(notManaged(blocker.what, blocker.id, key));
      }
      // Out of retries: one last look, so a create that did land is adopted rather than reported.
      if (!(err as { ambiguous?: boolean }).ambiguous) throw err;
      const found = await tagged();
      if (!found) throw err;
      created = toObserved(owner, repository, found, undefined, true);
    }
    ctx.invalidate(tokensCacheKey(client, owner, repository));
    if (
      access_private_broadcasts !== undefined &&
      created.fields.access_private_broadcasts !== access_private_broadcasts
    ) {
      const { slugPerm } = parseTokenId(created.id);
      try {
        // A new token may not read back at once, and until it does its own routes answer 404.
        await waitUntilReadable(
          ctx,
          client,
          owner,
          repository,
          slugPerm,
          `${owner}/${repository} token "${spec.name}"`,
        );
        await client.entitlements.togglePrivateBroadcasts(
          owner,
          repository,
          slugPerm,
          access_private_broadcasts as boolean,
        );
        const read = await waitForPrivateBroadcasts(
          ctx,
          client,
          owner,
          repository,
          slugPerm,
          access_private_broadcasts as boolean,
        );
        created = { ...created, fields: { ...created.fields, access_private_broadcasts, ...versionOf(read) } };
      } catch (err) {
        // The token exists: state records it (see `recorded` in engine/apply.ts), so the next apply toggles it.
        throw Object.assign(err as object, { recorded: created });
      }
    }
    return created;
  },

  async update(ctx, key, spec, conn, observed, changes) {
    const client = ctx.clients.cloudsmith(conn);
    const { owner, repository } = spec;
    const { slugPerm } = parseTokenId(observed.id);
    const desired = desiredFields(key, spec);
    const fields = { ...observed.fields };
    const patch: Record<string, unknown> = {};
    for (const c of changes)
      if (c.effect === "update" && !ACTION_FIELDS.has(c.path)) patch[c.path] = desired[c.path as ManagedField];
    try {
      if (Object.keys(patch).length)
        Object.assign(
          fields,
          observedFields(
            await client.entitlements.update(owner, repository, slugPerm, patch as never),
            fields.rotated_at,
          ),
        );
      for (const c of changes) {
        if (c.path === "is_active" && c.effect === "update") {
          await (c.new
            ? client.entitlements.enable(owner, repository, slugPerm)
            : client.entitlements.disable(owner, repository, slugPerm));
          // State says what the API reads back, not what was asked: reads can lag the action.
          const read = await waitForActive(ctx, client, owner, repository, slugPerm, c.new as boolean).catch(
            (err: unknown) => {
              if (err instanceof ReadBackError && err.last) fields.is_active = err.last.is_active;
              throw Object.assign(err as object, { recorded: { id: observed.id, fields: { ...fields } } });
            },
          );
          fields.is_active = read.is_active;
          Object.assign(fields, versionOf(read));
        }
        if (c.path === "access_private_broadcasts") {
          await client.entitlements.togglePrivateBroadcasts(owner, repository, slugPerm, c.new as boolean);
          fields.access_private_broadcasts = c.new;
          const read = await waitForPrivateBroadcasts(ctx, client, owner, repository, slugPerm, c.new as boolean).catch(
            (err: unknown) => {
              throw Object.assign(err as object, { recorded: { id: observed.id, fields: { ...fields } } });
            },
          );
          Object.assign(fields, versionOf(read));
        }
      }
      if (changes.some((c) => c.effect === "rotate")) {
        // Refresh keeps the slug_perm and replaces the value (docs/api/cloudsmith.md#entitlements-refresh); the reply's
        // token is never kept.
        const refreshed = await client.entitlements.refresh(owner, repository, slugPerm);
        Object.assign(fields, observedFields(refreshed, ctx.now().toISOString()));
      }
      if (changes.some((c) => c.effect === "reset")) await client.entitlements.reset(owner, repository, slugPerm);
    } finally {
      ctx.invalidate(tokensCacheKey(client, owner, repository));
    }
    return { id: observed.id, fields };
  },

  async observeState(ctx, state, conn) {
    const { owner, repository, slugPerm } = parseTokenId(state.id);
    const client = ctx.clients.cloudsmith(conn);
    try {
      const { bySlug } = await indexedTokens(ctx, client, owner, repository);
      // Missing from a list that may lag: read before calling it gone.
      const t = bySlug.get(slugPerm) ?? (await readListed(client, owner, repository, slugPerm))?.token;
      return t && toObserved(owner, repository, t, state.observed.rotated_at);
    } catch (err) {
      if (isNotFound(err)) return undefined; // the repository itself is gone
      throw err;
    }
  },

  async delete(ctx, state, conn) {
    if (isDefaultToken(state)) return; // never deleted: see deletion
    const { owner, repository, slugPerm } = parseTokenId(state.id);
    const client = ctx.clients.cloudsmith(conn);
    try {
      await client.entitlements.delete(owner, repository, slugPerm);
    } catch (err) {
      if (!isNotFound(err)) throw err; // already gone is success
    }
    ctx.invalidate(tokensCacheKey(client, owner, repository));
  },

  presentation: {
    describe: (spec) => `${spec.owner}/${spec.repository} ${spec.defaultToken ? "default token" : `"${spec.name}"`}`,
    createFields(key, spec) {
      const d = desiredFields(key, spec);
      return TOKEN_FIELDS.shown(d, { owner: spec.owner, repository: spec.repository });
    },
    foundBy: (spec) => (spec.defaultToken ? "found by its default flag" : "found by its reposmith tag"),
    deleteNotice: (state) =>
      isDefaultToken(state)
        ? "the repository's default token is never deleted: reposmith stops managing it and leaves it as it is"
        : undefined,
  },

  planning: {
    prefetch(ctx, items) {
      // One list per repository and connection, however many of its tokens are declared.
      const started = new Map<ConnectionRef | undefined, Set<string>>();
      for (const { spec, conn } of items) {
        let repos = started.get(conn);
        if (!repos) started.set(conn, (repos = new Set()));
        const repo = `${spec.owner}/${spec.repository}`;
        if (repos.has(repo)) continue;
        repos.add(repo);
        listTokens(ctx, ctx.clients.cloudsmith(conn), spec.owner, spec.repository).catch(() => undefined);
      }
    },

    createBlocker: nameTaken,
  },

  // A repository's default token is never deleted: removing it only forgets it.
  deletion: {
    removes: (state) => !isDefaultToken(state),
    forgets: isDefaultToken,
  },

  commands: {
    async readSecret(ctx, state, conn) {
      const { owner, repository, slugPerm } = parseTokenId(state.id);
      const t = await ctx.clients.cloudsmith(conn).entitlements.read(owner, repository, slugPerm, { showTokens: true });
      if (!t.token) throw new Error(`${owner}/${repository} token ${slugPerm} came back without its value`);
      return t.token;
    },

    async import(ctx, key, spec, id, conn) {
      const { owner, repository, slugPerm } = parseTokenId(id);
      if (owner !== spec.owner || repository !== spec.repository) {
        throw new Error(`${id} is in ${owner}/${repository}, but ${key} declares ${spec.owner}/${spec.repository}`);
      }
      const client = ctx.clients.cloudsmith(conn);
      let t = await client.entitlements.read(owner, repository, slugPerm);
      if (!spec.defaultToken) {
        // Tag it now, so a lost state can never lead to a duplicate: adoption finds tokens by this tag.
        const metadata = {
          ...((t.metadata as Record<string, unknown> | null) ?? {}),
          [MANAGED_BY]: MANAGED_BY_VALUE,
          [KEY_TAG]: key,
        };
        t = await client.entitlements.update(owner, repository, slugPerm, { metadata } as never);
        ctx.invalidate(tokensCacheKey(client, owner, repository));
      }
      return toObserved(owner, repository, listedToken(t));
    },
  },
};
