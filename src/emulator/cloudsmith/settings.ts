/**
 * Cloudsmith behaviours the public documentation leaves open, as named, switchable settings: tests
 * run both readings, and `reposmith doctor`'s tests set them to each answer a live account may give.
 *   GET  /_emulator/cloudsmith/settings   the settings in force
 *   POST /_emulator/cloudsmith/settings   a partial object merged in (null restores the defaults) → the settings
 * Also the seed key `cloudsmith.settings` and `EmulatorOptions`; `POST /_emulator/reset` restores the defaults.
 * Strictness defaults follow the documentation; lag defaults keep reads immediate.
 */
import { FieldErrors, addFieldError, invalidInput } from "../errors";
import { isPlainObject } from "../util";

type MissingSlash = "redirect" | "not-found" | "lenient";
export type BareWordSearch = "any-field" | "name";
export type TokenListOrder = "name" | "created";

export interface CloudsmithSettings {
  /**
   * Status of a request rejected for its fields (an ErrorDetail with `fields`). 422: Cloudsmith's
   * HTTP status page ("422 ... sending a request that contains field validation errors",
   * https://help.cloudsmith.io/reference/http-responses), the spec's 422 description ("Missing or
   * invalid parameters") and the bodies quoted in
   * https://github.com/cloudsmith-io/terraform-provider-cloudsmith/issues/199. 400 is kept for a
   * server that follows only the spec's 400 ErrorDetail (no public source shows one for a field
   * error). A malformed JSON body is a 400 in either setting
   * (https://help.cloudsmith.io/reference/error-handling).
   * @default 422
   */
  fieldErrorStatus: 400 | 422;
  /**
   * A Cloudsmith path sent without its trailing slash (every documented path has one):
   * "redirect" = 301 to the path with the slash, for any method, as Django's CommonMiddleware does
   * with APPEND_SLASH in production (https://docs.djangoproject.com/en/3.2/_modules/django/middleware/common/;
   * Cloudsmith's API says clients should expect redirects: https://help.cloudsmith.io/reference/http-redirects);
   * "not-found" = 404 (APPEND_SLASH off); "lenient" = served as if it had the slash (no real server).
   * @default "redirect"
   */
  missingSlash: MissingSlash;
  /**
   * Send `Retry-After` on a 429. Cloudsmith documents only the X-RateLimit-* headers
   * (https://help.cloudsmith.io/reference/rate-limits); Django REST framework's default exception
   * handler would add Retry-After to a throttled reply, so a server may still send one.
   * @default false
   */
  retryAfter: boolean;
  /**
   * What a bare word in a package `query` matches. "any-field": names, filenames, versions,
   * distributions, architectures, formats or statuses, as the spec describes `packages_list`'s
   * `query` (the emulator's packages have no distribution or architecture); "name": the package
   * name only, as the web app's search help lists it ("Search by package name: my-package
   * (implicit)", e.g. https://cloudsmith.io/~cloudsmith/repos/cli/packages/). The search syntax
   * page (https://docs.cloudsmith.com/artifact-management/search-filter-sort-packages) says neither.
   * @default "any-field"
   */
  bareWordSearch: BareWordSearch;

  /**
   * Read-after-write lag of a package copy: `packages_status` and `packages_read` of a package
   * copied less than this many milliseconds ago answer 404, as from a replica that has not seen it
   * yet. terraform-provider-cloudsmith waits out such reads after its writes ("cross-region
   * database replication", `waiter` in
   * https://github.com/cloudsmith-io/terraform-provider-cloudsmith/blob/344b5c3694ad54ad2b0da8f1c55401df6ec37c21/cloudsmith/utils.go). @default 0
   */
  copyNotFoundMs: number;
  /**
   * Read-after-write lag of a token create: `entitlements_read` and the token's own routes
   * (update, delete, refresh, enable, disable, reset, toggle-private-broadcasts) answer 404 for
   * this many milliseconds after the create; the list shows it at once. @default 0
   */
  tokenReadLagMs: number;
  /** An enable or disable shows in reads and lists only this many milliseconds later. @default 0 */
  isActiveLagMs: number;
  /** `entitlements_sync` gives each copy its source token's `metadata` (else none). @default true */
  syncCopiesMetadata: boolean;
  /** `entitlements_sync` gives each copy its source token's `default` flag (else false). @default true */
  syncCopiesDefault: boolean;
  /** `entitlements_sync` gives each copy its source token's secret value (else a new one). @default true */
  syncCopiesToken: boolean;

  /**
   * List lag: a token or package created (or a token changed) less than this many milliseconds ago
   * shows in `entitlements_list` / `packages_list` as it was before (a new one not at all), as from
   * a replica behind the primary; reads of the object itself are not affected. No public source
   * measures it; terraform-provider-cloudsmith waits before trusting any read after a write
   * ("cross-region database replication", `waiter` in
   * https://github.com/cloudsmith-io/terraform-provider-cloudsmith/blob/344b5c3694ad54ad2b0da8f1c55401df6ec37c21/cloudsmith/utils.go).
   * A deletion shows at once. @default 0
   */
  listLagMs: number;
  /**
   * Read-after-PATCH lag: `entitlements_read` of a token answers its version from before a PATCH
   * (or a refresh) for this many milliseconds after it. terraform-provider-cloudsmith sleeps 7 s
   * after every update "to allow eventual consistency to settle" (`waitForUpdate`, same file). @default 0
   */
  patchReadLagMs: number;
  /**
   * Whether a repository refuses a second token with a name it already has (422 on `name`).
   * cloudsmith-cli's help for `--name`: "This must be unique ... * Note: May not apply to older
   * repositories." (https://github.com/cloudsmith-io/cloudsmith-cli/blob/14c715ed478638733c2044dc864117c9d26a9326/cloudsmith_cli/cli/commands/entitlements.py).
   * false = such an older repository: names may repeat. @default true
   */
  uniqueTokenNames: boolean;
  /**
   * Answers as loose as the documentation allows and a live server may give: every token and
   * package field reposmith does not manage comes back null (blank values come back as null,
   * https://help.cloudsmith.io/reference/schema), missing (a list's summary representation,
   * same page) or of another type, and each object carries a field no version of the spec has.
   * Managed fields keep their values. Off: every field as the spec types it. @default false
   */
  looseAnswers: boolean;
  /**
   * The order of `entitlements_list` without a `sort` parameter. "name": the spec's default for
   * `sort` ("default": "name"); "created": the order the tokens were made in (no public source:
   * a switch, so that nothing in the client depends on the order). @default "name"
   */
  tokenListOrder: TokenListOrder;
  /**
   * Whether `entitlements_refresh` takes `access_private_broadcasts` in its body: the API reference
   * page lists it among the refresh body params (https://docs.cloudsmith.com/api/entitlements/refresh),
   * the spec's RepositoryTokenRefreshRequest does not (a field it does not name is ignored, as
   * Django REST framework ignores unknown fields). reposmith always uses
   * `entitlements_toggle_private_broadcasts`. @default true
   */
  refreshTakesPrivateBroadcasts: boolean;
}

export const DEFAULT_CLOUDSMITH_SETTINGS: Readonly<CloudsmithSettings> = Object.freeze({
  fieldErrorStatus: 422,
  missingSlash: "redirect",
  retryAfter: false,
  bareWordSearch: "any-field",
  copyNotFoundMs: 0,
  tokenReadLagMs: 0,
  isActiveLagMs: 0,
  syncCopiesMetadata: true,
  syncCopiesDefault: true,
  syncCopiesToken: true,
  listLagMs: 0,
  patchReadLagMs: 0,
  uniqueTokenNames: true,
  looseAnswers: false,
  tokenListOrder: "name",
  refreshTakesPrivateBroadcasts: true,
});

/** The allowed values of each enumerated setting; the `…Ms` settings take any number >= 0. */
const CHOICES: Partial<{ [K in keyof CloudsmithSettings]: readonly CloudsmithSettings[K][] }> = {
  fieldErrorStatus: [400, 422],
  missingSlash: ["redirect", "not-found", "lenient"],
  retryAfter: [true, false],
  bareWordSearch: ["any-field", "name"],
  syncCopiesMetadata: [true, false],
  syncCopiesDefault: [true, false],
  syncCopiesToken: [true, false],
  uniqueTokenNames: [true, false],
  looseAnswers: [true, false],
  tokenListOrder: ["name", "created"],
  refreshTakesPrivateBroadcasts: [true, false],
};
const DURATIONS = new Set<string>(["copyNotFoundMs", "tokenReadLagMs", "isActiveLagMs", "listLagMs", "patchReadLagMs"]);
const KNOWN = [...Object.keys(CHOICES), ...DURATIONS];

/**
 * `current` with the keys of `input` applied (null = the defaults); a 400 naming every bad key (nothing applied then).
 */
export function mergeSettings(current: CloudsmithSettings, input: unknown): CloudsmithSettings {
  if (input === null || input === undefined) return { ...DEFAULT_CLOUDSMITH_SETTINGS };
  if (!isPlainObject(input)) throw invalidInput({ non_field_errors: ["Expected an object of Cloudsmith settings."] });
  const errors: FieldErrors = {};
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(input)) {
    const allowed = (CHOICES as Record<string, readonly unknown[] | undefined>)[key];
    if (DURATIONS.has(key)) {
      if (typeof value === "number" && Number.isFinite(value) && value >= 0) next[key] = value;
      else addFieldError(errors, key, "Must be a number >= 0 (milliseconds).");
    } else if (!allowed) addFieldError(errors, key, `Unknown setting (known: ${KNOWN.join(", ")}).`);
    else if (!allowed.includes(value))
      addFieldError(errors, key, `Must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}.`);
    else next[key] = value;
  }
  if (Object.keys(errors).length) throw invalidInput(errors);
  return next as unknown as CloudsmithSettings;
}
