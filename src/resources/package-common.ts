/**
 * What PackageCopy and PackageMirror share: package identity (format/name/version, + checksum),
 * list-based observation memoised per repository, and a copy that is never sent twice.
 */
import { z } from "zod";
import { malformedProblem } from "../api/http";
import { isNotFound, type CloudsmithClient, type Package } from "../api/cloudsmith";
import { count } from "./common";
import { duration, parseDuration } from "./duration";
import { lookUntilListed } from "./read-back";
import type { HandlerContext } from "./types";

/** Package formats Cloudsmith hosts (its upload endpoints, cloudsmith-openapi.json). */
export const PACKAGE_FORMATS = [
  "alpine",
  "cargo",
  "cocoapods",
  "composer",
  "conan",
  "conda",
  "cran",
  "dart",
  "deb",
  "docker",
  "go",
  "helm",
  "hex",
  "huggingface",
  "luarocks",
  "maven",
  "npm",
  "nuget",
  "p2",
  "python",
  "raw",
  "rpm",
  "ruby",
  "swift",
  "terraform",
  "vagrant",
] as const;

/** A package by what it is rather than by its id: the identity a copy keeps in every repository. */
export interface PackageRef {
  format: string;
  name: string;
  version: string;
}

export const PackageRefSchema = z
  .object({
    format: z.enum(PACKAGE_FORMATS, {
      error: (iss) =>
        `format must be one of ${PACKAGE_FORMATS.map((f) => `"${f}"`).join(", ")} (got ${JSON.stringify(iss.input)})`,
    }),
    name: z.string({ error: "name is required" }).min(1, { error: "name must not be empty" }),
    version: z.string({ error: "version is required" }).min(1, { error: "version must not be empty" }),
  })
  .strict();

export const DEFAULT_SYNC_TIMEOUT = "10m";

/** How long to wait for a copy to be fully synchronised, and how often to resync a failed one. */
export const syncOptions = {
  waitForSync: z
    .object({ timeout: duration("waitForSync.timeout").default(DEFAULT_SYNC_TIMEOUT) })
    .strict()
    .default({ timeout: DEFAULT_SYNC_TIMEOUT }),
  resyncAttempts: count("resyncAttempts").max(10, { error: "resyncAttempts must be at most 10" }).default(2),
};

export function timeoutMs(spec: { waitForSync: { timeout: string | number } }): number {
  return parseDuration(spec.waitForSync.timeout) ?? 600_000;
}

/** `npm/left-pad@1.3.0`: how plans name a package. */
export const refKey = (r: PackageRef) => `${r.format}/${r.name}@${r.version}`;
/** `npm left-pad 1.3.0`: how messages name a package. */
export const refLabel = (r: PackageRef) => `${r.format} ${r.name} ${r.version}`;

/** A checksum as messages show it: its first 12 characters. */
export const shortChecksum = (checksum: unknown) => `${String(checksum).slice(0, 12)}…`;

export function refOf(p: Package): PackageRef {
  return { format: p.format ?? "", name: p.name ?? "", version: p.version ?? "" };
}

/** How messages name a package of a list: `npm left-pad 1.3.0 in acme/prod (Abc123XyZ789)`, what can be read of it. */
export function packageLabel(owner: string, repo: string, p: Package): string {
  const what = [p.format, p.name, p.version].filter((x) => typeof x === "string" && x).join(" ") || "a package";
  return `${what} in ${owner}/${repo}${p.slug_perm ? ` (${p.slug_perm})` : ""}`;
}

/** Why a package the API answered malformed cannot be acted on, or undefined for one read whole. */
export function malformedPackage(owner: string, repo: string, p: Package): string | undefined {
  const problem = malformedProblem(p);
  return problem === undefined
    ? undefined
    : `${packageLabel(owner, repo, p)} came back malformed (${problem}); reposmith does not copy, compare or ` +
        `delete it until it reads back as documented: check it in Cloudsmith`;
}

/** Throws for a package the API answered malformed (see malformedPackage); returns it otherwise. */
export function requirePackageReadable<P extends Package | undefined>(owner: string, repo: string, p: P): P {
  const problem = p && malformedPackage(owner, repo, p);
  if (problem) throw new Error(problem);
  return p;
}

const sameRef = (p: Package, r: PackageRef) => p.format === r.format && p.name === r.name && p.version === r.version;

/** Where a package's sync stands, in plan words: "completed", "syncing (45%)", "failed: reason". */
export function syncSummary(p: Package): string {
  if (p.is_sync_completed) return "completed";
  if (p.is_sync_failed) return `failed: ${p.status_reason ?? "no reason given"}`;
  if (p.is_sync_awaiting) return "awaiting sync";
  return `syncing (${p.sync_progress ?? 0}%)`;
}

const cachePrefix = (client: CloudsmithClient, owner: string, repo: string) =>
  `cloudsmith:${client.baseUrl}:packages:${owner}/${repo}/`;

/** Every package of a repository (or those matching `query`), read once per engine run: one call per 500. */
export function listPackages(
  ctx: HandlerContext,
  client: CloudsmithClient,
  owner: string,
  repo: string,
  query = "",
): Promise<Package[]> {
  return ctx.memo(`${cachePrefix(client, owner, repo)}?${query}`, () =>
    client.packages.list(owner, repo, { query: query || undefined }),
  );
}

/**
 * One package by its slug_perm (packages_read), for a package state knows that a list does not show
 * (lists may lag a copy); undefined when it answers 404 (gone, or not readable yet: then it is not
 * in the list either, and the next plan looks again).
 */
export function readPackage(
  client: CloudsmithClient,
  owner: string,
  repo: string,
  slugPerm: string,
): Promise<Package | undefined> {
  return client.packages
    .read(owner, repo, slugPerm)
    .catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
}

/** Forget the memoised lists of a repository after a write to it. */
export function invalidatePackages(ctx: HandlerContext, client: CloudsmithClient, owner: string, repo: string): void {
  ctx.invalidate(cachePrefix(client, owner, repo));
}

const rank = (p: Package) => (p.is_sync_completed ? 0 : p.is_sync_failed ? 2 : 1);

/**
 * The package in `list` that stands for `ref`: the one with `slugPerm` if present, else the best of
 * those with the same format/name/version — matching checksum first, then completed, then syncing,
 * then failed (a failed duplicate never hides a good copy).
 */
export function findPackage(
  list: Package[],
  ref: PackageRef,
  opts: { slugPerm?: string; checksum?: string | null } = {},
): Package | undefined {
  if (opts.slugPerm) {
    const exact = list.find((p) => p.slug_perm === opts.slugPerm);
    if (exact && sameRef(exact, ref)) return exact;
  }
  const same = list.filter((p) => sameRef(p, ref));
  const score = (p: Package) => (opts.checksum && p.checksum_sha256 === opts.checksum ? 0 : 10) + rank(p);
  return same.sort((a, b) => score(a) - score(b))[0];
}

export interface CopySource {
  owner: string;
  repository: string;
  slugPerm: string;
  ref: PackageRef;
  checksum?: string | null;
}

/**
 * POST copy. The copy is not idempotent (docs/api/cloudsmith.md#post-is-not-idempotent): when the request may have been
 * applied (ambiguous error), list the destination again and adopt the copy if it is there instead
 * of sending it again. Within one run the same package is copied to the same place once, even when
 * a PackageCopy and a PackageMirror both want it (the second would fail as a duplicate).
 */
export function copyPackage(
  ctx: HandlerContext,
  client: CloudsmithClient,
  src: CopySource,
  destination: string,
  republish: boolean,
  replacing?: string,
): Promise<Package> {
  const once = `cloudsmith:${client.baseUrl}:copy:${src.owner}/${destination}/${refKey(src.ref)}#${src.checksum ?? ""}`;
  return ctx.memo(once, () => postCopy(ctx, client, src, destination, republish, replacing));
}

async function postCopy(
  ctx: HandlerContext,
  client: CloudsmithClient,
  src: CopySource,
  destination: string,
  republish: boolean,
  replacing?: string,
): Promise<Package> {
  // Under list lag a copy shows in the destination's list only later: looked for that long (lookUntilListed).
  const inDestination = () =>
    lookUntilListed(ctx, async () => {
      invalidatePackages(ctx, client, src.owner, destination);
      const list = await listPackages(ctx, client, src.owner, destination);
      const found = list.filter(
        (p) =>
          sameRef(p, src.ref) && p.slug_perm !== replacing && (!src.checksum || p.checksum_sha256 === src.checksum),
      );
      return found.length ? findPackage(found, src.ref, { checksum: src.checksum }) : undefined;
    });
  try {
    const copied = await client.packages.copy(
      src.owner,
      src.repository,
      src.slugPerm,
      { destination, republish },
      { landed: inDestination },
    );
    invalidatePackages(ctx, client, src.owner, destination);
    return copied;
  } catch (err) {
    // Out of retries: one last look, so a copy that did land is adopted rather than reported.
    if (!(err as { ambiguous?: boolean }).ambiguous) throw err;
    const found = await inDestination();
    if (!found) throw err;
    return found;
  }
}
