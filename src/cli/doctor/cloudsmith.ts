/**
 * Doctor checks against the Cloudsmith API. Read-only unless a scratch repository is given; the
 * assumptions checked and where they come from are in docs/api/cloudsmith.md and the emulator's
 * settings (src/emulator/cloudsmith/settings.ts). Every check is its own line: one that fails (a
 * 500, a dropped connection) says so and the others still run.
 */
import { CloudsmithClient, type ApiEvent, type CloudsmithClientOptions, type HttpResponse } from "../../api/cloudsmith";
import { withoutCredentials } from "../../util/url-credentials";
import { differs, failed, guard, ok, repoPath, Results, skipped, type CheckResult } from "./check";
import { SCRATCH_CHECKS, scratchTokenChecks } from "./cloudsmith-scratch";

export interface CloudsmithDoctorOptions {
  env: NodeJS.ProcessEnv;
  /** `owner/repo` whose lists are read (pagination, package search): reads only. */
  repo?: { owner: string; repo: string };
  /** `owner/repo` where a scratch token is created and deleted (and a refused create is sent). */
  scratch?: { owner: string; repo: string };
  sleep: (ms: number) => Promise<void>;
  /** Client tuning (tests). @default DOCTOR_TUNING */
  clientOptions?: Partial<CloudsmithClientOptions>;
}

/**
 * A doctor reports rather than converges: a probe that keeps failing is retried twice, quickly,
 * then its line says why (a 429 is still waited out as for every call).
 */
export const DOCTOR_TUNING = { maxRetries: 2, retryBaseMs: 250, maxRetryWaitMs: 10_000 };

const RATE_HEADERS = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-interval"];
const PAGE_HEADERS = ["x-pagination-count", "x-pagination-page", "x-pagination-pagesize", "x-pagination-pagetotal"];

const LIST_CHECKS = ["cloudsmith.pagination", "cloudsmith.page-beyond-last", "cloudsmith.bare-word-search"];

/** Every Cloudsmith check id, in the order lines are printed. */
export const CLOUDSMITH_CHECKS = [
  "cloudsmith.auth",
  "cloudsmith.base-url",
  "cloudsmith.rate-limit-headers",
  "cloudsmith.trailing-slash",
  ...LIST_CHECKS,
  ...SCRATCH_CHECKS,
  "cloudsmith.entitlements-sync",
  "cloudsmith.copy-read-after-write",
  "cloudsmith.throttle-headers",
];

export async function cloudsmithChecks(o: CloudsmithDoctorOptions): Promise<CheckResult[]> {
  const out = new Results();
  if (!o.env.CLOUDSMITH_API_KEY?.trim()) {
    out.skip(CLOUDSMITH_CHECKS, "CLOUDSMITH_API_KEY is not set: no Cloudsmith check runs");
    return out.list();
  }
  const throttles: NonNullable<ApiEvent["throttleHeaders"]>[] = [];
  let client: CloudsmithClient;
  try {
    client = CloudsmithClient.fromEnv(o.env, {
      ...DOCTOR_TUNING,
      ...o.clientOptions,
      onEvent: (e) => e.type === "throttle" && e.throttleHeaders && throttles.push(e.throttleHeaders),
    });
  } catch (e) {
    out.add(failed("cloudsmith.auth", (e as Error).message));
    out.skip(CLOUDSMITH_CHECKS, "no Cloudsmith client: see cloudsmith.auth");
    return out.list();
  }
  const where = withoutCredentials(client.baseUrl);
  // Auth is a request whatever the key: user_self answers who the key belongs to.
  let self: HttpResponse<unknown> | undefined;
  out.add(
    await guard("cloudsmith.auth", async () => {
      self = await client.probe({ operation: "user_self", method: "GET", path: "/user/self/" });
      const user = self.data as { authenticated?: boolean; slug?: string | null } | undefined;
      if (self.status === 200 && user?.authenticated === true)
        return ok("cloudsmith.auth", `authenticated as ${JSON.stringify(user.slug ?? "?")} at ${where}`);
      const why =
        self.status === 200
          ? "the API took the key as anonymous (authenticated: false)"
          : `user_self answered ${self.status}`;
      return failed("cloudsmith.auth", `${why} at ${where}: check CLOUDSMITH_API_KEY (and CLOUDSMITH_API_URL)`);
    }),
  );
  const rejected =
    self !== undefined && (self.status !== 200 || (self.data as { authenticated?: boolean })?.authenticated !== true);
  if (rejected) {
    // Every other check would only meet the same refusal.
    out.skip(CLOUDSMITH_CHECKS, "the API did not accept the key (see cloudsmith.auth)");
    return out.list();
  }
  out.add(await guard("cloudsmith.base-url", () => baseUrlCheck(client.baseUrl)));
  out.add(
    self
      ? await guard("cloudsmith.rate-limit-headers", () => rateHeadersCheck(self!.headers))
      : skipped("cloudsmith.rate-limit-headers", "needs user_self's answer, which failed (see cloudsmith.auth)"),
  );
  out.add(await guard("cloudsmith.trailing-slash", () => trailingSlashCheck(client)));
  if (o.repo) await listChecks(client, o.repo, out);
  else out.skip(LIST_CHECKS, "needs --repo OWNER/REPO (or --scratch-repo): it reads that repository's lists");
  if (o.scratch) await scratchTokenChecks(client, o.scratch, o.sleep, out);
  else out.skip(SCRATCH_CHECKS, "needs --scratch-repo OWNER/REPO: it creates and deletes a scratch token there");
  out.add(
    skipped(
      "cloudsmith.entitlements-sync",
      "not run: a sync replaces every token of its target repository; " +
        "what it carries is undocumented (docs/api/cloudsmith.md#entitlements-sync)",
    ),
    skipped(
      "cloudsmith.copy-read-after-write",
      "not run: it needs a package to copy; the client waits out 404s on a fresh copy's status either way",
    ),
    throttleCheck(throttles),
  );
  return out.list();
}

/** The bare root follows the latest major version (docs/api/cloudsmith.md#transport): a base ending in /v1 pins it. */
function baseUrlCheck(baseUrl: string): CheckResult {
  const id = "cloudsmith.base-url";
  const shown = withoutCredentials(baseUrl);
  return /\/v1$/.test(new URL(baseUrl).pathname)
    ? ok(id, `${shown} pins API version v1`)
    : differs(
        id,
        `${shown} does not end in /v1: the bare root follows Cloudsmith's latest major version; ` +
          `set CLOUDSMITH_API_URL to …/v1`,
      );
}

function rateHeadersCheck(headers: Record<string, string>): CheckResult {
  const id = "cloudsmith.rate-limit-headers";
  const missing = RATE_HEADERS.filter((h) => headers[h] === undefined);
  if (missing.length) {
    return differs(
      id,
      `missing ${missing.join(", ")}: after a 429 without Retry-After the client can only back off exponentially`,
    );
  }
  const resetIn = Math.max(0, Math.round(Number(headers["x-ratelimit-reset"]) - Date.now() / 1000));
  return ok(
    id,
    `limit ${headers["x-ratelimit-limit"]}/h, ${headers["x-ratelimit-remaining"]} remaining, reset in ${resetIn} s, ` +
      `interval ${headers["x-ratelimit-interval"]} s`,
  );
}

/** Every documented path ends in "/"; the emulator assumes a missing one gets Django's APPEND_SLASH 301. */
async function trailingSlashCheck(client: CloudsmithClient): Promise<CheckResult> {
  const id = "cloudsmith.trailing-slash";
  const res = await client.probe({ operation: "user_self", method: "GET", path: "/user/self" });
  if (res.status === 301 || res.status === 308) {
    const to = res.headers.location ?? "";
    return /\/user\/self\/$/.test(to.split("?")[0])
      ? ok(id, `/user/self answered ${res.status} to /user/self/ (the client always sends the slash)`)
      : differs(id, `/user/self answered ${res.status} to ${pathOf(to) || "nowhere"}`);
  }
  if (res.status === 404)
    return differs(id, "/user/self answered 404, not a redirect to /user/self/", {
      api: "cloudsmith",
      setting: "missingSlash",
      value: "not-found",
    });
  if (res.status === 200)
    return differs(id, "/user/self was served as /user/self/", {
      api: "cloudsmith",
      setting: "missingSlash",
      value: "lenient",
    });
  return differs(id, `/user/self answered ${res.status}`);
}

/** The path of a Location header (no host, user information or query: nothing secret is printed). */
const pathOf = (location: string) => location.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "").split("?")[0];

/** Reads of one repository's lists: pagination headers, a page past the last, and what a bare search word matches. */
async function listChecks(client: CloudsmithClient, r: { owner: string; repo: string }, out: Results): Promise<void> {
  const path = repoPath(r, "entitlements");
  let first: HttpResponse<unknown> | undefined;
  out.add(
    await guard("cloudsmith.pagination", async () => {
      first = await client.probe({
        operation: "entitlements_list",
        method: "GET",
        path,
        query: { page: 1, page_size: 1 },
      });
      const id = "cloudsmith.pagination";
      if (first.status !== 200) return failed(id, `entitlements_list of ${r.owner}/${r.repo} answered ${first.status}`);
      if (!Array.isArray(first.data) || !first.data.length)
        return skipped(id, `${r.owner}/${r.repo} has no tokens: empty lists are not paginated`);
      const missing = [...PAGE_HEADERS, "link"].filter((h) => first!.headers[h] === undefined);
      return missing.length
        ? differs(
            id,
            `a page of 1 token came without ${missing.join(", ")}: ` +
              `the client reads a list without X-Pagination-PageTotal as one page`,
          )
        : ok(
            id,
            `X-Pagination-* and Link on a page of 1 (${first.headers["x-pagination-count"]} tokens, ` +
              `${first.headers["x-pagination-pagetotal"]} pages)`,
          );
    }),
  );
  out.add(
    await guard("cloudsmith.page-beyond-last", async () => {
      const id = "cloudsmith.page-beyond-last";
      if (!first || first.status !== 200) return skipped(id, "needs the first page (see cloudsmith.pagination)");
      const count = Array.isArray(first.data) ? first.data.length : 0;
      if (!count) return skipped(id, `${r.owner}/${r.repo} has no tokens`);
      const beyond = Number(first.headers["x-pagination-pagetotal"] ?? count) + 1;
      const past = await client.probe({
        operation: "entitlements_list",
        method: "GET",
        path,
        query: { page: beyond, page_size: 1 },
      });
      return past.status === 404
        ? ok(
            id,
            `page ${beyond} of ${beyond - 1} answered 404 (as Django REST framework's "Invalid page."); ` +
              `the client re-reads from page 1 when a list shrinks under it`,
          )
        : differs(
            id,
            `page ${beyond} of ${beyond - 1} answered ` +
              `${past.status}${Array.isArray(past.data) ? ` with ${past.data.length} items` : ""}, not 404`,
          );
    }),
  );
  out.add(await guard("cloudsmith.bare-word-search", () => bareWordCheck(client, r)));
}

/**
 * A bare word in a package query: the spec says it searches names, versions, formats and more;
 * the web app's help lists it under names only. Searches one package's version as a bare word.
 */
async function bareWordCheck(client: CloudsmithClient, r: { owner: string; repo: string }): Promise<CheckResult> {
  const id = "cloudsmith.bare-word-search";
  const path = repoPath(r, "packages");
  const list = await client.probe({
    operation: "packages_list",
    method: "GET",
    path,
    query: { page: 1, page_size: 20 },
  });
  if (list.status !== 200) return failed(id, `packages_list of ${r.owner}/${r.repo} answered ${list.status}`);
  const pkgs = (Array.isArray(list.data) ? list.data : []) as {
    name?: unknown;
    version?: unknown;
    slug_perm?: unknown;
  }[];
  const pkg = pkgs.find(
    (p): p is { name: string; version: string; slug_perm?: unknown } =>
      typeof p.version === "string" &&
      typeof p.name === "string" &&
      !p.name.includes(p.version) &&
      /^[\w.+-]+$/.test(p.version),
  );
  if (!pkg) return skipped(id, `${r.owner}/${r.repo} lists no package whose version can be searched as a bare word`);
  const found = await client.probe({
    operation: "packages_list",
    method: "GET",
    path,
    query: { query: pkg.version, page_size: 500 },
  });
  const hit =
    Array.isArray(found.data) && (found.data as { slug_perm?: unknown }[]).some((p) => p.slug_perm === pkg.slug_perm);
  return hit
    ? ok(
        id,
        `the bare word ${JSON.stringify(pkg.version)} found ${pkg.name} ${pkg.version} by its version ` +
          `(bare words match more than names)`,
      )
    : differs(
        id,
        `the bare word ${JSON.stringify(pkg.version)} did not find ${pkg.name} ${pkg.version}: ` +
          `bare words match names only`,
        { api: "cloudsmith", setting: "bareWordSearch", value: "name" },
      );
}

/** A 429 met during the run (none is provoked on purpose): did it carry Retry-After, or only X-RateLimit-*? */
function throttleCheck(throttles: NonNullable<ApiEvent["throttleHeaders"]>[]): CheckResult {
  const id = "cloudsmith.throttle-headers";
  if (!throttles.length) return skipped(id, "no 429 met during this run (none is provoked on purpose)");
  const withRetryAfter = throttles.filter((t) => t.retryAfter).length;
  if (!withRetryAfter) {
    const reset = throttles.every((t) => t.rateLimitReset);
    return reset
      ? ok(
          id,
          `${throttles.length} 429(s) carried X-RateLimit-Reset and no Retry-After: the client waited until the reset`,
        )
      : differs(
          id,
          `${throttles.length} 429(s) carried neither Retry-After nor X-RateLimit-Reset: ` +
            `the client backed off exponentially`,
        );
  }
  return differs(
    id,
    `${withRetryAfter} of ${throttles.length} 429(s) carried Retry-After (Cloudsmith documents only X-RateLimit-*)`,
    { api: "cloudsmith", setting: "retryAfter", value: true },
  );
}
