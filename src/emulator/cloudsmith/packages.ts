/**
 * Package routes (tag `packages`, base `/packages/{owner}/{repo}/`), stateful, with asynchronous
 * sync: see docs/api/cloudsmith.md#packages and the operations packages_* in the published spec. Admin:
 *   POST /_emulator/packages/sync  {"durationMs","failureRate","failTimes","failReason","failAtProgress"}
 *                                  (partial; null restores the defaults) → the global sync config
 *   GET  /_emulator/packages/sync  the global sync config
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { EmulatorContext } from "../context";
import { invalidInput } from "../errors";
import { requestUrl, rootUrl } from "../http";
import { paginate } from "../pagination";
import { isPlainObject, queryParam } from "../util";
import { PackageRecord, syncView } from "./packages-model";
import { compareVersions, compileQuery, Searchable } from "./packages-query";
import { loosen, type Loosening } from "./token-model";
import { toPackage, toPackageDetail, toPackageStatus } from "./packages-wire";

/**
 * settings.looseAnswers for packages: fields reposmith does not manage (it reads format, name,
 * version, slug_perm, checksum_sha256, filename, size and the sync fields) come back null, missing
 * or of another type.
 */
const LOOSE_PACKAGE: Loosening = {
  architectures: "null",
  cdn_url: "missing",
  checksum_md5: "null",
  checksum_sha1: (v) => ({ value: v }),
  description: "missing",
  downloads: (v) => String(v),
  files: "null",
  identifier_perm: "null",
  namespace: "missing",
  origin_repository: "null",
  repository: "null",
  self_url: "null",
  slug: (v) => [v],
  stage: (v) => (v === null ? v : String(v)),
  status: (v) => (v === null ? v : String(v)),
  status_updated_at: (v) => (v === null ? v : Date.parse(String(v))),
  status_url: "null",
  tags: (v) => Object.keys((v ?? {}) as object),
  uploaded_at: "null",
  is_copyable: "null",
  is_deleteable: (v) => (v ? "yes" : "no"),
  is_quarantined: "null",
  is_resyncable: "missing",
  is_sync_in_flight: "null",
  vulnerability_counts: "missing",
};

interface RepoParams {
  owner: string;
  repo: string;
}
interface ItemParams extends RepoParams {
  identifier: string;
}
type RepoRequest = FastifyRequest<{ Params: RepoParams }>;
type ItemRequest = FastifyRequest<{ Params: ItemParams }>;

const BASE = "/packages/:owner/:repo/";
const ITEM = `${BASE}:identifier/`;
const QUERY_MAX_LENGTH = 1024;

const SEARCH_STATUS = {
  awaiting: "awaiting",
  inProgress: "in_progress",
  completed: "completed",
  failed: "failed",
} as const;

function searchable(p: PackageRecord, nowMs: number): Searchable {
  return {
    name: p.name,
    version: p.version,
    format: p.format,
    filename: p.filename,
    tags: Object.values(p.tags).flat(),
    checksums: [p.checksum_md5, p.checksum_sha1, p.checksum_sha256, p.checksum_sha512],
    status: SEARCH_STATUS[syncView(p, nowMs).phase],
    downloads: p.downloads,
    size: p.size,
    uploadedMs: Date.parse(p.uploaded_at),
  };
}

type Sorter = (a: PackageRecord, b: PackageRecord) => number;
const SORTS: Record<string, Sorter> = {
  date: (a, b) => a.uploaded_at.localeCompare(b.uploaded_at),
  name: (a, b) => a.name.localeCompare(b.name),
  version: (a, b) => compareVersions(a.version, b.version),
  format: (a, b) => a.format.localeCompare(b.format),
  size: (a, b) => a.size - b.size,
  downloads: (a, b) => a.downloads - b.downloads,
};

function sorter(sort: string | undefined): Sorter {
  const s = sort === undefined || sort === "" ? "-date" : sort;
  const desc = s.startsWith("-");
  const by = SORTS[desc ? s.slice(1) : s];
  if (!by)
    throw invalidInput({
      sort: [
        `"${s}" is not a valid sort field. Valid fields are: ${Object.keys(SORTS)
          .flatMap((k) => [k, `-${k}`])
          .join(", ")}.`,
      ],
    });
  return desc ? (a, b) => by(b, a) : by;
}

export function registerPackageRoutes(scope: FastifyInstance, ctx: EmulatorContext): void {
  const store = ctx.store.packages;
  const urls = (request: RepoRequest, repo = request.params.repo) => ({
    root: rootUrl(request),
    owner: request.params.owner,
    repo,
  });
  const loose = (wire: Record<string, unknown>) =>
    ctx.store.cloudsmith.settings.looseAnswers ? loosen(wire, LOOSE_PACKAGE) : wire;
  const itemOf = (request: ItemRequest) =>
    store.require(request.params.owner, request.params.repo, request.params.identifier);
  // Reads of a fresh copy may 404 for a while (settings.copyNotFoundMs).
  const readableOf = (request: ItemRequest) =>
    store.requireReadable(request.params.owner, request.params.repo, request.params.identifier);

  // packages_list
  scope.get(BASE, async (request: RepoRequest, reply) => {
    // A package copied less than settings.listLagMs ago is not listed yet.
    const all = store.listed(request.params.owner, request.params.repo);
    const query = queryParam(request.query, "query") ?? "";
    if (query.length > QUERY_MAX_LENGTH)
      throw invalidInput({ query: [`Ensure this field has no more than ${QUERY_MAX_LENGTH} characters.`] });
    const now = store.nowMs();
    const match = compileQuery(query, { nowMs: now, bareWord: ctx.store.cloudsmith.settings.bareWordSearch });
    const found = all.filter((p) => match(searchable(p, now))).sort(sorter(queryParam(request.query, "sort")));
    const page = paginate(found, request.query, requestUrl(request));
    reply.headers(page.headers);
    return page.items.map((p) => loose(toPackage(p, urls(request), now)));
  });

  // packages_read
  scope.get(ITEM, async (request: ItemRequest) =>
    loose(toPackageDetail(readableOf(request), urls(request), store.nowMs())),
  );

  // packages_status: counted per package (GET /_emulator/state
  // shows status_reads, 404s included) so tests can bound polling.
  scope.get(`${ITEM}status/`, async (request: ItemRequest) => {
    itemOf(request).statusReads++;
    return loose(toPackageStatus(readableOf(request), urls(request), store.nowMs()));
  });

  // packages_copy: 200 (not 201) with the NEW package in the destination, syncing from now.
  scope.post(`${ITEM}copy/`, async (request: ItemRequest) => {
    const body = request.body;
    if (!isPlainObject(body)) throw invalidInput({ destination: ["This field is required."] });
    const { destination, republish } = body;
    if (destination === undefined) throw invalidInput({ destination: ["This field is required."] });
    if (typeof destination !== "string") throw invalidInput({ destination: ["Not a valid string."] });
    if (destination.trim() === "") throw invalidInput({ destination: ["This field may not be blank."] });
    if (republish !== undefined && typeof republish !== "boolean")
      throw invalidInput({ republish: ["Must be a valid boolean."] });
    const { owner, repo, identifier } = request.params;
    const copied = store.copy(owner, repo, identifier, destination.trim(), republish === true);
    return loose(toPackage(copied.record, urls(request, copied.repo), store.nowMs()));
  });

  // packages_resync: 400 "wrong state" while a sync is in flight.
  scope.post(`${ITEM}resync/`, async (request: ItemRequest) => {
    const p = itemOf(request);
    store.resync(p);
    return loose(toPackage(p, urls(request), store.nowMs()));
  });

  // packages_delete
  scope.delete(ITEM, async (request: ItemRequest, reply) => {
    store.delete(request.params.owner, request.params.repo, request.params.identifier);
    return reply.code(204).send();
  });
}

export function registerPackageAdmin(scope: FastifyInstance, ctx: EmulatorContext): void {
  scope.post("/packages/sync", async (request) => ctx.store.packages.configure(request.body ?? null));
  scope.get("/packages/sync", async () => ctx.store.packages.syncConfig());
}
