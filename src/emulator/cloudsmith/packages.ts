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
import { toPackage, toPackageDetail, toPackageStatus } from "./packages-wire";

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
  const itemOf = (request: ItemRequest) =>
    store.require(request.params.owner, request.params.repo, request.params.identifier);
  // Reads of a fresh copy may 404 for a while (settings.copyNotFoundMs).
  const readableOf = (request: ItemRequest) =>
    store.requireReadable(request.params.owner, request.params.repo, request.params.identifier);

  // packages_list
  scope.get(BASE, async (request: RepoRequest, reply) => {
    const all = [...store.packages(request.params.owner, request.params.repo).values()];
    const query = queryParam(request.query, "query") ?? "";
    if (query.length > QUERY_MAX_LENGTH)
      throw invalidInput({ query: [`Ensure this field has no more than ${QUERY_MAX_LENGTH} characters.`] });
    const now = store.nowMs();
    const match = compileQuery(query, { nowMs: now, bareWord: ctx.store.cloudsmith.settings.bareWordSearch });
    const found = all.filter((p) => match(searchable(p, now))).sort(sorter(queryParam(request.query, "sort")));
    const page = paginate(found, request.query, requestUrl(request));
    reply.headers(page.headers);
    return page.items.map((p) => toPackage(p, urls(request), now));
  });

  // packages_read
  scope.get(ITEM, async (request: ItemRequest) => toPackageDetail(readableOf(request), urls(request), store.nowMs()));

  // packages_status: counted per package (GET /_emulator/state shows status_reads, 404s included) so tests can bound polling.
  scope.get(`${ITEM}status/`, async (request: ItemRequest) => {
    itemOf(request).statusReads++;
    return toPackageStatus(readableOf(request), urls(request), store.nowMs());
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
    return toPackage(copied.record, urls(request, copied.repo), store.nowMs());
  });

  // packages_resync: 400 "wrong state" while a sync is in flight.
  scope.post(`${ITEM}resync/`, async (request: ItemRequest) => {
    const p = itemOf(request);
    store.resync(p);
    return toPackage(p, urls(request), store.nowMs());
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
