/**
 * CodeArts Repo v4 routes (https://support.huaweicloud.com/api-codeartsrepo/ShowRemoteMirror.html and
 * its sibling pages), stateful per repository id:
 *   GET  /v4/repositories/{repository_id}                          ShowRepository
 *   POST /v4/repositories/{repository_id}/remote-mirror/associate   AssociateRemoteMirror → 201 MirrorInfo
 *   GET  /v4/repositories/{repository_id}/remote-mirror             ShowRemoteMirror → MirrorInfo
 *                                                                   (no mirror: settings.noMirrorResponse)
 *   PUT  /v4/repositories/{repository_id}/remote-mirror             UpdateRepositoryRemoteMirror → the four fields
 *   POST /v4/repositories/{repository_id}/remote-mirror             StartRemoteMirrorSynchronization → {jid}
 *                                                                   (docs/api/codearts-repo.md#start-synchronization)
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { isPlainObject, isoNow } from "../util";
import {
  CaMirror,
  CaRepository,
  MAX_REPOSITORY_ID,
  insufficientPermission,
  invalidParam,
  mirrorNotFound,
} from "./model";
import type { CodeArtsStore } from "./store";
import { decodeBase64, isBase64 } from "./sync";

type RepoRequest = FastifyRequest<{ Params: { repository_id: string } }>;
const BASE = "/v4/repositories/:repository_id";
const MIRROR = `${BASE}/remote-mirror`;

/**
 * settings.looseAnswers: the fields reposmith does not use (it reads a mirror's url, mirroring_enabled,
 * endpoint_uuid, update_status, the two timestamps, number_of_failures and last_error) come back null,
 * missing or of another type, and one the SDK models lack is added.
 */
function loosen(body: Record<string, unknown>, on: boolean): Record<string, unknown> {
  if (!on) return body;
  const out: Record<string, unknown> = { ...body, emulator_field_from_a_later_version: { added: true } };
  if ("id" in out) out.id = out.id === null ? null : String(out.id);
  if ("is_private" in out) out.is_private = out.is_private === null ? null : out.is_private ? "yes" : "no";
  delete out.repository_id;
  for (const k of ["name_with_namespace", "ssh_url_to_repo", "archived", "empty_repo", "project_id"])
    if (k in out) out[k] = null;
  if ("path" in out) out.path = [out.path];
  return out;
}

function body(request: FastifyRequest): Record<string, unknown> {
  if (request.body === undefined || request.body === null) return {};
  if (!isPlainObject(request.body)) throw invalidParam("The request body must be a JSON object.");
  return request.body;
}

export function registerMirrorRoutes(scope: FastifyInstance, store: CodeArtsStore): void {
  /** The repository, checked for the IAM action; 400/404/403 as the real API answers. */
  const repoOf = (request: RepoRequest, action: "getRepository" | "setRepository"): CaRepository => {
    const raw = request.params.repository_id;
    const id = Number(raw);
    if (!/^\d+$/.test(raw) || id < 1 || id > MAX_REPOSITORY_ID)
      throw invalidParam(`repository_id must be an integer from 1 to ${MAX_REPOSITORY_ID}.`);
    const repo = store.requireRepo(id);
    if (repo.denied.has(action)) throw insufficientPermission();
    return repo;
  };
  const mirrorOf = (repo: CaRepository): CaMirror => {
    const m = store.mirrorOf(repo);
    if (!m) throw mirrorNotFound();
    return m;
  };
  const info = (repo: CaRepository, m: CaMirror) => loosen(infoOf(repo, m), store.settings.looseAnswers);
  const infoOf = (repo: CaRepository, m: CaMirror) => ({
    id: m.id,
    repository_id: repo.id,
    update_status: m.update_status,
    last_update_at: m.last_update_at,
    url: m.url,
    last_successful_update_at: m.last_successful_update_at,
    number_of_failures: m.number_of_failures,
    mirroring_enabled: store.mirroringEnabled(m),
    is_private: m.is_private,
    endpoint_uuid: m.endpoint_uuid,
    last_error: m.last_error,
  });

  const emptyInfo = (repo: CaRepository) => loosen(emptyInfoOf(repo), store.settings.looseAnswers);
  const emptyInfoOf = (repo: CaRepository) => ({
    id: null,
    repository_id: repo.id,
    update_status: null,
    last_update_at: null,
    url: null,
    last_successful_update_at: null,
    number_of_failures: null,
    mirroring_enabled: null,
    is_private: null,
    endpoint_uuid: null,
    last_error: null,
  });

  scope.get(BASE, async (request: RepoRequest) => {
    const repo = repoOf(request, "getRepository");
    return loosen(showRepositoryOf(repo), store.settings.looseAnswers);
  });

  const showRepositoryOf = (repo: CaRepository) => {
    return {
      id: repo.id,
      name: repo.name,
      path: repo.name,
      path_with_namespace: `emulated/${repo.name}`,
      name_with_namespace: `emulated / ${repo.name}`,
      http_url_to_repo: `https://codehub.example.com/emulated/${repo.name}.git`,
      ssh_url_to_repo: `git@codehub.example.com:emulated/${repo.name}.git`,
      default_branch: "master",
      project_id: repo.project_id,
      uuid: repo.uuid,
      archived: false,
      empty_repo: !repo.mirror?.last_successful_update_at,
      import_status: repo.mirror ? "finished" : "none",
      repository_type: repo.mirror ? "mirror" : "normal",
    };
  };

  scope.post(`${MIRROR}/associate`, async (request: RepoRequest, reply) => {
    const repo = repoOf(request, "setRepository");
    const b = body(request);
    if (typeof b.url !== "string" || !/^https?:\/\/\S+$/.test(b.url))
      throw invalidParam("url must start with http:// or https://.");
    if (repo.mirror) throw invalidParam("The repository is already associated with a remote mirror.");
    repo.mirror = store.newMirror(b.url);
    return reply.code(201).send(info(repo, repo.mirror));
  });

  scope.get(MIRROR, async (request: RepoRequest) => {
    const repo = repoOf(request, "getRepository");
    // No mirror yet: a 404, or (setting noMirrorResponse "empty200") a 200 whose fields are empty.
    if (!store.mirrorOf(repo) && store.settings.noMirrorResponse === "empty200") return emptyInfo(repo);
    return info(repo, mirrorOf(repo));
  });

  scope.put(MIRROR, async (request: RepoRequest) => {
    const repo = repoOf(request, "setRepository");
    const m = mirrorOf(repo);
    const b = body(request);
    if (b.url !== undefined && (typeof b.url !== "string" || !/^https?:\/\/\S+$/.test(b.url)))
      throw invalidParam("url must start with http:// or https://.");
    if (b.sync_branch_type !== undefined && b.sync_branch_type !== "all" && b.sync_branch_type !== "default")
      throw invalidParam('sync_branch_type must be "all" or "default".');
    if (b.mirroring_enabled !== undefined && typeof b.mirroring_enabled !== "boolean")
      throw invalidParam("mirroring_enabled must be a boolean.");
    if (b.endpoint_uuid !== undefined && typeof b.endpoint_uuid !== "string")
      throw invalidParam("endpoint_uuid must be a string.");
    if (b.endpoint_uuid === "" && store.settings.emptyEndpointUuid === "refused")
      throw invalidParam("endpoint_uuid must not be empty.");
    if (typeof b.url === "string" && b.url !== m.url) {
      m.url = b.url;
      const src = store.source(b.url);
      m.is_private = !!src && (src.username !== undefined || src.password !== undefined);
    }
    if (b.sync_branch_type !== undefined) m.sync_branch_type = b.sync_branch_type as CaMirror["sync_branch_type"];
    if (typeof b.mirroring_enabled === "boolean") m.scheduled = store.scheduledFrom(b.mirroring_enabled);
    if (typeof b.endpoint_uuid === "string") m.endpoint_uuid = b.endpoint_uuid;
    // A PUT as a full replace (settings.putOmittedFields "reset"): what it leaves out goes back to its default.
    if (store.settings.putOmittedFields === "reset") {
      if (b.endpoint_uuid === undefined) m.endpoint_uuid = "";
      if (b.sync_branch_type === undefined) m.sync_branch_type = "all";
    }
    return loosen(
      {
        url: m.url,
        mirroring_enabled: store.mirroringEnabled(m),
        endpoint_uuid: m.endpoint_uuid,
        sync_branch_type: m.sync_branch_type,
      },
      store.settings.looseAnswers,
    );
  });

  scope.post(MIRROR, async (request: RepoRequest) => {
    const repo = repoOf(request, "setRepository");
    const m = mirrorOf(repo);
    const b = body(request);
    for (const f of ["username", "password"]) {
      const v = b[f];
      if (v !== undefined && (typeof v !== "string" || !isBase64(v)))
        throw invalidParam(`${f} must be Base64 encoded.`);
    }
    if (b.endpoint_uuid !== undefined && typeof b.endpoint_uuid !== "string")
      throw invalidParam("endpoint_uuid must be a string.");
    if (b.force_fetch !== undefined && typeof b.force_fetch !== "boolean")
      throw invalidParam("force_fetch must be a boolean.");
    const jid = m.job?.jid ?? randomUUID();
    m.starts.push({ jid, at: isoNow(), body: { ...b } });
    store.counters.syncsStarted++;
    // A start while a sync runs joins it (the real behaviour is undocumented).
    if (!m.job) {
      const decode = (v: unknown) => (typeof v === "string" && v !== "" ? decodeBase64(v) : undefined);
      m.job = {
        jid,
        startedAt: Date.now(),
        username: decode(b.username),
        password: decode(b.password),
        endpointUuid: (b.endpoint_uuid as string | undefined) || undefined,
        forceFetch: b.force_fetch === true,
      };
      m.update_status = "scheduled";
      m.last_update_at = isoNow();
    }
    return { jid };
  });
}
