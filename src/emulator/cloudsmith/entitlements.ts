/**
 * Entitlement token routes (tag `entitlements`, base `/entitlements/{owner}/{repo}/`), stateful.
 * See docs/api/cloudsmith.md#entitlement-tokens and the operations entitlements_* in the published spec.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { EmulatorContext } from "../context";
import { ApiError, invalidInput } from "../errors";
import { requestUrl, rootUrl } from "../http";
import { paginate, singlePageHeaders } from "../pagination";
import { queryBool, queryParam } from "../util";
import { firstNamed, type RepositoryRecord } from "./store";
import {
  TokenRecord,
  jsonArrayBytes,
  newTokenValue,
  repositoryTokenBytes,
  toRepositoryToken,
  touch,
} from "./token-model";
import { parseTokenBody, requireObjectBody } from "./token-validation";

interface RepoParams {
  owner: string;
  repo: string;
}
interface TokenParams extends RepoParams {
  identifier: string;
}
type RepoRequest = FastifyRequest<{ Params: RepoParams }>;
type TokenRequest = FastifyRequest<{ Params: TokenParams }>;

const BASE = "/entitlements/:owner/:repo/";
const ITEM = `${BASE}:identifier/`;
const QUERY_MAX_LENGTH = 1024;

export function registerEntitlementRoutes(scope: FastifyInstance, ctx: EmulatorContext): void {
  const store = ctx.store.cloudsmith;
  const repoOf = (request: RepoRequest) => store.requireRepo(request.params.owner, request.params.repo);
  const render = (request: RepoRequest, repo: RepositoryRecord, t: TokenRecord) =>
    toRepositoryToken(
      t,
      { root: rootUrl(request), owner: repo.owner, repo: repo.slug },
      queryBool(request.query, "show_tokens"),
      store.settings.looseAnswers,
    );
  // A token's own routes 404 while its create is not readable yet (settings.tokenReadLagMs).
  const tokenOf = (request: TokenRequest) => {
    const repo = repoOf(request);
    return {
      repo,
      token: store.requireReadable(findToken(repo, request.params.identifier, queryBool(request.query, "fuzzy"))),
    };
  };

  // entitlements_list
  scope.get(BASE, async (request: RepoRequest, reply) => {
    store.settle();
    const repo = repoOf(request);
    // Without `sort`, the spec's default order (settings.tokenListOrder); each token as lists show it now (listLagMs).
    let tokens: TokenRecord[] = [];
    for (const t of store.listOrder(repo)) {
      const shown = store.listedView(t);
      if (shown) tokens.push(shown);
    }
    const query = queryParam(request.query, "query");
    if (query !== undefined && query.length > QUERY_MAX_LENGTH) {
      throw invalidInput({ query: [`Ensure this field has no more than ${QUERY_MAX_LENGTH} characters.`] });
    }
    const needle = query
      ?.replace(/^name:/i, "")
      .trim()
      .toLowerCase();
    if (needle) tokens = tokens.filter((t) => t.name.toLowerCase().includes(needle));
    if (queryBool(request.query, "active")) tokens = tokens.filter((t) => t.is_active);
    const sort = queryParam(request.query, "sort");
    if (sort !== undefined && sort !== "") {
      if (sort !== "name" && sort !== "-name") {
        throw invalidInput({ sort: [`"${sort}" is not a valid sort field. Valid fields are: name, -name.`] });
      }
      const sign = sort === "name" ? 1 : -1;
      tokens.sort((a, b) => sign * (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    const page = paginate(tokens, request.query, requestUrl(request));
    const loc = { root: rootUrl(request), owner: repo.owner, repo: repo.slug };
    const show = queryBool(request.query, "show_tokens");
    const loose = store.settings.looseAnswers;
    // Bytes, each token's cached until it changes (see repositoryTokenBytes): the emulator's hot path.
    return reply
      .headers(page.headers)
      .type("application/json; charset=utf-8")
      .send(jsonArrayBytes(page.items.map((t) => repositoryTokenBytes(t, loc, show, loose))));
  });

  // entitlements_create
  scope.post(BASE, async (request: RepoRequest, reply) => {
    const repo = repoOf(request);
    const fields = parseTokenBody(request.body, "create");
    const token = store.createToken(repo, { ...fields, name: fields.name as string });
    return reply.code(201).send(render(request, repo, token));
  });

  // entitlements_sync
  scope.post(`${BASE}sync/`, async (request: RepoRequest, reply) => {
    const target = repoOf(request);
    const body = requireObjectBody(request.body);
    const source = body.source;
    if (source === undefined) throw invalidInput({ source: ["This field is required."] });
    if (typeof source !== "string") throw invalidInput({ source: ["Not a valid string."] });
    if (source.trim() === "") throw invalidInput({ source: ["This field may not be blank."] });
    const [sourceOwner, sourceSlug] = source.includes("/") ? source.split("/", 2) : [target.owner, source];
    // Real Cloudsmith answers some validation failures with a looser shape than the documented
    // ErrorDetail: a `code` key and object-valued `fields` (docs/api/cloudsmith.md#errors). Reproduce it here.
    if (sourceOwner !== target.owner) {
      throw invalidSource("The source repository must be in the same namespace as the target repository.");
    }
    if (sourceSlug === target.slug)
      throw invalidSource("The source repository cannot be the same as the target repository.");
    const sourceRepo = store.requireRepo(sourceOwner, sourceSlug);
    const tokens = store.syncTokens(target, sourceRepo);
    reply.headers(singlePageHeaders(tokens.length));
    return { tokens: tokens.map((t) => render(request, target, t)) };
  });

  // entitlements_read (an earlier version for a while after a PATCH: settings.patchReadLagMs)
  scope.get(ITEM, async (request: TokenRequest) => {
    const { repo, token } = tokenOf(request);
    return render(request, repo, store.readView(token));
  });

  // entitlements_partial_update
  scope.patch(ITEM, async (request: TokenRequest) => {
    const { repo, token } = tokenOf(request);
    store.updateToken(repo, token, parseTokenBody(request.body, "patch", token));
    return render(request, repo, token);
  });

  // The spec has no PUT for entitlements; Django REST framework answers 405.
  scope.put(ITEM, async (request) => {
    throw new ApiError(
      405,
      { detail: `Method "${request.method}" not allowed.` },
      { allow: "GET, PATCH, DELETE, HEAD, OPTIONS" },
    );
  });

  // entitlements_delete (a soft delete; reads 404 afterwards)
  scope.delete(ITEM, async (request: TokenRequest, reply) => {
    const { repo, token } = tokenOf(request);
    store.deleteToken(repo, token);
    return reply.code(204).send();
  });

  // entitlements_refresh: rotates the secret; the body may also change the limit fields, and (as
  // the API reference page lists it, settings.refreshTakesPrivateBroadcasts) access_private_broadcasts.
  scope.post(`${ITEM}refresh/`, async (request: TokenRequest) => {
    const { repo, token } = tokenOf(request);
    const fields = parseTokenBody(request.body, "refresh", token);
    const broadcasts = store.settings.refreshTakesPrivateBroadcasts
      ? readPrivateBroadcasts(requireObjectBody(request.body), false)
      : undefined;
    let value = fields.token;
    while (value === undefined || (fields.token === undefined && value === token.token)) value = newTokenValue();
    store.updateToken(repo, token, { ...fields, token: value });
    if (broadcasts !== undefined) token.access_private_broadcasts = broadcasts;
    return render(request, repo, token);
  });

  const action = (suffix: string, apply: (t: TokenRecord) => void) =>
    scope.post(`${ITEM}${suffix}/`, async (request: TokenRequest, reply) => {
      apply(tokenOf(request).token);
      return reply.code(204).send();
    });
  // entitlements_enable / entitlements_disable (visible settings.isActiveLagMs later)
  action("enable", (t) => store.setActive(t, true));
  action("disable", (t) => store.setActive(t, false));
  // entitlements_reset: usage counters only; configuration and secret unchanged.
  action("reset", (t) => {
    store.noteWrite(t, "change");
    t.clients = 0;
    t.downloads = 0;
    t.bandwidth = 0;
  });

  // entitlements_toggle_private_broadcasts: 200 with no body (the spec declares no schema).
  scope.post(`${ITEM}toggle-private-broadcasts/`, async (request: TokenRequest, reply) => {
    const { token } = tokenOf(request);
    const value = readPrivateBroadcasts(requireObjectBody(request.body), true) as boolean;
    store.noteWrite(token, "change");
    token.access_private_broadcasts = value;
    touch(token);
    return reply.code(200).send();
  });
}

/** By slug_perm; with `fuzzy=true` also by name (case-insensitive) when no slug_perm matches. */
function findToken(repo: RepositoryRecord, identifier: string, fuzzy: boolean): TokenRecord {
  const exact = repo.tokens.get(identifier);
  if (exact) return exact;
  if (fuzzy) {
    const byName = firstNamed(repo, identifier);
    if (byName) return repo.tokens.get(byName) as TokenRecord;
    const lower = identifier.toLowerCase();
    for (const t of repo.tokens.values()) if (t.name.toLowerCase() === lower) return t;
  }
  throw new ApiError(404, { detail: "Not found." });
}

/** `access_private_broadcasts` of a body: a 400 unless a boolean; undefined when absent and not `required`. */
function readPrivateBroadcasts(body: Record<string, unknown>, required: boolean): boolean | undefined {
  if (!("access_private_broadcasts" in body)) {
    if (required) throw invalidInput({ access_private_broadcasts: ["This field is required."] });
    return undefined;
  }
  if (typeof body.access_private_broadcasts !== "boolean")
    throw invalidInput({ access_private_broadcasts: ["Must be a valid boolean."] });
  return body.access_private_broadcasts;
}

function invalidSource(detail: string): ApiError {
  return new ApiError(422, { code: "invalid", detail: "Invalid input.", fields: { source: { detail } } });
}
