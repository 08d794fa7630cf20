/**
 * RepositoryMirror: a Huawei Cloud CodeArts Repo repository that pulls from a Git source.
 * Identity = the numeric repository id (one mirror per repository).
 * Create = check repository → adopt or associate → PUT settings → start sync → wait.
 * Observe = show mirror (repository-mirror-lookup.ts tells "no mirror" from "repository gone").
 * Update = PUT when a field that needs one changed, then a sync when a field that needs one changed
 * (the field table's `needs`) or the last sync failed. Delete: the API has none, so scheduled sync
 * is switched off and the mirror forgotten (and the plan says so, with the mirroring_enabled value
 * and reading it sends).
 */
import {
  CodeArtsClient,
  MirrorInfo,
  MirrorSettings,
  isCodeArtsNotFound,
  isPrivateOf,
  mirrorIdOf,
  redact,
} from "../api/codearts";
import { redactUrls } from "../util/url-credentials";
import { describeWrite, mapScheduledSync, readingInForce } from "./mirroring-enabled";
import { lookupMirror, repositoryGoneError, requireRepository } from "./repository-mirror-lookup";
import {
  MIRROR_FIELDS,
  REPOSITORY_MIRROR_KIND,
  credentialEnvs,
  RepositoryMirrorSpecSchema,
  type RepositoryMirrorSpec,
} from "./repository-mirror-spec";
import { IN_PROGRESS_STATUSES, MirrorSyncTimeoutError, lastSyncFailed, syncMirror } from "./repository-mirror-sync";
import type { ResourceHandler } from "./contract";
import type { ConnectionRef, FieldChange, Observed, ResourceState } from "./types";

export * from "./repository-mirror-spec";
export * from "./mirroring-enabled";
export { MirrorSyncError, MirrorSyncTimeoutError } from "./repository-mirror-sync";

/** Changes answered by PUT remote-mirror. */
const PUT_FIELDS = MIRROR_FIELDS.needing("put");
/** Changes answered by a new synchronization: the table's, and a failed or missing last sync. */
const SYNC_FIELDS = new Set([...MIRROR_FIELDS.needing("sync"), "last_error", "last_successful_update_at"]);

const reading = (conn: ConnectionRef | undefined) => readingInForce(conn?.codearts).reading;

function parseId(id: string): number {
  const n = Number(id);
  if (!/^\d+$/.test(id) || n < 1 || n > 2_147_483_647)
    throw new Error(`"${id}" is not a CodeArts repository id: expected a whole number such as 123`);
  return n;
}

/** The source credentials' values, to scrub from `last_error` before it reaches plans and state. */
function sourceSecrets(client: CodeArtsClient, spec: unknown): string[] {
  const r = RepositoryMirrorSpecSchema.safeParse(spec);
  const envs = r.success ? credentialEnvs(r.data) : undefined;
  return envs ? [client.envSecret(envs.username), client.envSecret(envs.password)].filter((v): v is string => !!v) : [];
}

function toObserved(
  repositoryId: number,
  m: MirrorInfo,
  conn: ConnectionRef | undefined,
  extra: { adopted?: boolean; jid?: string; secrets?: string[] } = {},
): Observed {
  const own = {
    repository_id: repositoryId,
    mirror_id: mirrorIdOf(m),
    mirroring_enabled: m.mirroring_enabled ?? null,
    is_private: isPrivateOf(m),
    update_status: m.update_status ?? null,
    last_update_at: m.last_update_at ?? null,
    last_successful_update_at: m.last_successful_update_at ?? null,
    number_of_failures: m.number_of_failures ?? null,
    last_error: m.last_error ? redactUrls(redact(m.last_error, extra.secrets ?? [])) : null,
  };
  const fields = MIRROR_FIELDS.observed(m, own, reading(conn));
  if (extra.jid) fields.last_jid = extra.jid;
  return { id: String(repositoryId), fields, adopted: extra.adopted };
}

/** The API fields a spec asks for (the mirror's table reads no key). */
const desiredOf = (spec: RepositoryMirrorSpec) => MIRROR_FIELDS.desired(spec, "");

/** The full PUT body a spec asks for (idempotent): the table's fields that need a PUT. */
function desiredSettings(spec: RepositoryMirrorSpec, conn: ConnectionRef | undefined): MirrorSettings {
  return MIRROR_FIELDS.body(desiredOf(spec), "put", reading(conn)) as MirrorSettings;
}

/**
 * The mirror, or undefined when there is none, also when its repository is gone: a plan then
 * checks the repository before it plans a create (checkCreate), while destroy and removal forget
 * a mirror that went with its repository.
 */
async function findMirror(client: CodeArtsClient, repositoryId: number): Promise<MirrorInfo | undefined> {
  const found = await lookupMirror(client, repositoryId);
  return found.found === "mirror" ? found.mirror : undefined;
}

/** The applied spec from state, when it is about the same repository. */
function appliedSpec(spec: RepositoryMirrorSpec, state: ResourceState | undefined): RepositoryMirrorSpec | undefined {
  if (!state || state.id !== String(spec.repositoryId)) return undefined;
  const r = RepositoryMirrorSpecSchema.safeParse(state.spec);
  return r.success ? r.data : undefined;
}

export function mirrorDiff(spec: RepositoryMirrorSpec, observed: Observed, state?: ResourceState): FieldChange[] {
  const f = observed.fields;
  // Another repository than the one state holds: a new mirror there, and the old one is let go.
  if (state && state.id !== String(spec.repositoryId))
    return [{ path: "repository_id", old: Number(state.id), new: spec.repositoryId, effect: "replace" }];
  // Readable settings are compared with what the API shows (drift corrected by PUT), write-only ones with
  // what was last applied.
  const applied = appliedSpec(spec, state);
  const changes = MIRROR_FIELDS.changes(desiredOf(spec), f, [], () => applied && desiredOf(applied));
  // Health, not configuration: a failed last sync is reported with its last_error and answered by a new sync.
  const status = f.update_status as string | null;
  if (!(status && IN_PROGRESS_STATUSES.has(status))) {
    if (lastSyncFailed(f as never))
      changes.push({
        path: "last_error",
        old: f.last_error || `${f.number_of_failures ?? "?"} failed sync(s)`,
        new: null,
        effect: "update",
      });
    else if (!applied && !f.last_successful_update_at)
      changes.push({ path: "last_successful_update_at", old: null, new: "(set by a first sync)", effect: "update" });
  }
  return changes;
}

/**
 * A sync that did not finish in time was still started with the new settings: the error carries
 * what to record (see `recorded` in engine/apply.ts), so the next plan checks on that sync instead
 * of starting another one.
 */
const recordTimeout =
  (id: number, conn: ConnectionRef | undefined, client: CodeArtsClient, spec: RepositoryMirrorSpec) =>
  (e: unknown): never => {
    if (e instanceof MirrorSyncTimeoutError)
      Object.assign(e, {
        recorded: toObserved(id, e.observed, conn, { jid: e.jid, secrets: sourceSecrets(client, spec) }),
      });
    throw e;
  };

export const repositoryMirrorHandler: ResourceHandler<RepositoryMirrorSpec> = {
  kind: REPOSITORY_MIRROR_KIND,
  spec: RepositoryMirrorSpecSchema,

  async observe(ctx, key, spec, conn) {
    const client = ctx.clients.codearts(conn);
    const m = await findMirror(client, spec.repositoryId);
    if (m?.endpoint_uuid && !spec.endpointUuid)
      ctx.notice(
        `${key}: CodeArts repository ${spec.repositoryId}'s mirror uses service endpoint ${m.endpoint_uuid}, ` +
          `which the RepositoryMirror does not declare; ` +
          "the update API documents no way to clear it, so reposmith leaves it: clear it in the CodeArts console, " +
          "or declare it as endpointUuid",
      );
    return m && toObserved(spec.repositoryId, m, conn, { secrets: sourceSecrets(client, spec) });
  },

  diff: (_key, spec, observed, state) => mirrorDiff(spec, observed, state),

  async create(ctx, key, spec, conn) {
    const client = ctx.clients.codearts(conn);
    const id = spec.repositoryId;
    // A repository CodeArts does not have fails here, naming it and CodeArts' answer (CH.004404).
    await requireRepository(client, id);
    const found = await lookupMirror(client, id);
    if (found.found === "repository-gone") throw repositoryGoneError(id, found.error);
    let existing = found.found === "mirror" ? found.mirror : undefined;
    const adopted = !!existing;
    if (!existing) {
      try {
        await client.associateMirror(id, spec.sourceUrl);
      } catch (e) {
        // A lost answer, or a mirror associated meanwhile: re-read before giving up (never associate twice).
        existing = await findMirror(client, id);
        if (!existing) throw e;
      }
    }
    await client.updateMirror(id, desiredSettings(spec, conn));
    const { mirror, jid } = await syncMirror(ctx, key, client, spec).catch(recordTimeout(id, conn, client, spec));
    return toObserved(id, mirror, conn, { adopted, jid, secrets: sourceSecrets(client, spec) });
  },

  async update(ctx, key, spec, conn, _observed, changes) {
    const client = ctx.clients.codearts(conn);
    const id = spec.repositoryId;
    if (changes.some((c) => PUT_FIELDS.has(c.path))) await client.updateMirror(id, desiredSettings(spec, conn));
    if (changes.some((c) => SYNC_FIELDS.has(c.path))) {
      const { mirror, jid } = await syncMirror(ctx, key, client, spec).catch(recordTimeout(id, conn, client, spec));
      return toObserved(id, mirror, conn, { jid, secrets: sourceSecrets(client, spec) });
    }
    return toObserved(id, await client.showMirror(id), conn, { secrets: sourceSecrets(client, spec) });
  },

  async observeState(ctx, state, conn) {
    const id = parseId(state.id);
    const client = ctx.clients.codearts(conn);
    const m = await findMirror(client, id);
    return m && toObserved(id, m, conn, { secrets: sourceSecrets(client, state.spec) });
  },

  async delete(ctx, state, conn) {
    const id = parseId(state.id);
    const client = ctx.clients.codearts(conn);
    try {
      await client.updateMirror(id, { mirroring_enabled: mapScheduledSync(false, reading(conn)) });
    } catch (e) {
      // CodeArts' own 404 (CH.*): the repository or its mirror is already gone. A gateway 404 or
      // one without a code says nothing about either: the mirror may still sync, so state keeps it.
      if (!isCodeArtsNotFound(e)) throw e;
    }
    ctx.notice(`CodeArts repository ${id}: ${deleteNoticeText(id, conn)}`);
  },

  // The API has no delete: delete switches scheduled sync off, which changes the mirror without removing it.
  deletion: { removes: () => false, forgets: () => false },

  presentation: {
    describe: (spec) => `repository ${spec.repositoryId} <= ${spec.sourceUrl}`,

    updateNotice(spec, changes, conn) {
      const notes = [];
      // The only write whose effect depends on the reading: say which one is in force.
      if (changes.some((c) => c.path === "scheduled_sync"))
        notes.push(
          `switches scheduled sync ${spec.scheduledSync ? "on" : "off"}: ` +
            `${describeWrite(spec.scheduledSync, readingInForce(conn?.codearts))}`,
        );
      if (changes.some((c) => SYNC_FIELDS.has(c.path)))
        notes.push(
          `starts a synchronization of repository ${spec.repositoryId} and waits for it (up to ` +
            `${spec.waitForSync.timeout})`,
        );
      return notes.length ? notes.join("; ") : undefined;
    },

    createFields: (_key, spec) =>
      MIRROR_FIELDS.shown(
        desiredOf(spec),
        { repository_id: spec.repositoryId, wait_for_sync: spec.waitForSync.timeout },
        spec,
      ),

    deleteNotice: (state, conn) => deleteNoticeText(state.id, conn),

    foundBy: (spec) => `found by its repository id ${spec.repositoryId}`,
  },

  planning: {
    /** Nothing to create into: fail the plan now, naming the repository and CodeArts' answer (CH.004404). */
    async checkCreate(ctx, _key, spec, conn) {
      await requireRepository(ctx.clients.codearts(conn), spec.repositoryId);
    },
  },

  commands: {
    async import(ctx, _key, _spec, id, conn) {
      const repositoryId = parseId(id);
      const client = ctx.clients.codearts(conn);
      const found = await lookupMirror(client, repositoryId);
      if (found.found === "repository-gone") throw repositoryGoneError(repositoryId, found.error);
      if (found.found === "no-mirror")
        throw new Error(`CodeArts repository ${repositoryId} has no remote mirror to import`);
      return toObserved(repositoryId, found.mirror, conn, { adopted: true });
    },
  },
};

/**
 * What destroy (and the old repository of a replacement) does, with the value it sends and the reading that gives it
 * its meaning.
 */
function deleteNoticeText(id: string | number, conn: ConnectionRef | undefined): string {
  return (
    `the CodeArts API cannot delete a mirror: reposmith switches scheduled sync off for repository ${id} ` +
    `(${describeWrite(false, readingInForce(conn?.codearts))}) and stops managing it; the mirror link remains`
  );
}
