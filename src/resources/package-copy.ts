/**
 * PackageCopy: one package promoted from a source repository into a destination repository of the
 * same namespace (docs/api/cloudsmith.md#package-copy, `POST /packages/{owner}/{repo}/{identifier}/copy/`), then waited
 * on
 * until fully synchronised (docs/api/cloudsmith.md#package-status). Identity = destination + format/name/version (+
 * checksum),
 * so a copy already in the destination — e.g. after a crash mid-apply — is adopted, never copied twice.
 */
import { z } from "zod";
import { isNotFound, type CloudsmithClient, type Package, type PackageStatus } from "../api/cloudsmith";
import { repositorySlug, slug } from "./common";
import {
  copyPackage,
  findPackage,
  invalidatePackages,
  listPackages,
  PackageRef,
  PackageRefSchema,
  refKey,
  refLabel,
  readPackage,
  refOf,
  requirePackageReadable,
  shortChecksum,
  syncOptions,
  syncSummary,
  timeoutMs,
} from "./package-common";
import { isPermanentFailure, PackageSyncError, waitForSync } from "./package-sync";
import type { ResourceHandler } from "./contract";
import type { FieldChange, HandlerContext, Observed, ResourceState } from "./types";
import { DESTINATION_IS_SOURCE, sourceGone } from "./messages";

export const PACKAGE_COPY_KIND = "PackageCopy";

const slugPerm = z.string().regex(/^[-a-zA-Z0-9_]+$/, {
  error: 'source.package must be a slug_perm such as "Abc123XyZ789" or { format, name, version }',
});

/** The stage a copy still syncing is at, for its progress line (", <stage>"); "" otherwise. */
const stageSuffix = (st: { is_sync_in_progress?: boolean | null; stage_str?: string | null }): string =>
  st.is_sync_in_progress && st.stage_str ? `, ${st.stage_str}` : "";

/** A slug_perm string or `{ format, name, version }`, with errors reported at the nested field. */
const packageSelector = z.unknown().transform((v, ctx) => {
  if (v === undefined) {
    ctx.addIssue({
      code: "custom",
      message: 'source.package is required: a slug_perm or { format: "npm", name: "left-pad", version: "1.3.0" }',
    });
    return z.NEVER;
  }
  const r = (typeof v === "string" ? slugPerm : PackageRefSchema).safeParse(v);
  if (!r.success) {
    for (const i of r.error.issues)
      ctx.addIssue({
        code: "custom",
        message: i.path.length && i.message.startsWith(i.path.join(".")) ? `source.package.${i.message}` : i.message,
        path: i.path as PropertyKey[],
      });
    return z.NEVER;
  }
  return r.data as string | PackageRef;
});

export const PackageCopySpecSchema = z
  .object({
    source: z
      .object({
        owner: slug("source.owner"),
        repository: repositorySlug("source.repository", "source.owner"),
        package: packageSelector,
      })
      .strict(),
    destination: repositorySlug("destination", "source.owner"),
    republish: z.boolean().default(false),
    ...syncOptions,
  })
  .strict()
  .refine((s) => s.destination !== s.source.repository, { error: DESTINATION_IS_SOURCE, path: ["destination"] });

export type PackageCopySpec = z.output<typeof PackageCopySpecSchema>;
export type PackageCopyInput = z.input<typeof PackageCopySpecSchema>;

const packageId = (owner: string, repo: string, slugPerm: string) => `${owner}.${repo}.${slugPerm}`;

function parsePackageId(id: string): { owner: string; repository: string; slugPerm: string } {
  const parts = id.split(".");
  if (parts.length !== 3 || parts.some((p) => !p))
    throw new Error(`"${id}" is not a package id: expected owner.repository.slug_perm, e.g. acme.prod.a1B2c3D4e5F6`);
  return { owner: parts[0], repository: parts[1], slugPerm: parts[2] };
}

const selectorText = (p: string | PackageRef) => (typeof p === "string" ? `package ${p}` : refKey(p));
const destLabel = (spec: PackageCopySpec, ref: PackageRef) =>
  `${refLabel(ref)} in ${spec.source.owner}/${spec.destination}`;

function toObserved(owner: string, repo: string, p: Package, source: Package | undefined, adopted: boolean): Observed {
  return {
    id: packageId(owner, repo, p.slug_perm ?? ""),
    adopted,
    fields: {
      slug_perm: p.slug_perm ?? null,
      format: p.format ?? null,
      name: p.name ?? null,
      version: p.version ?? null,
      filename: p.filename ?? null,
      checksum_sha256: p.checksum_sha256 ?? null,
      size: p.size ?? null,
      sync: syncSummary(p),
      stage_str: p.stage_str ?? null,
      sync_progress: p.sync_progress ?? null,
      source_slug_perm: source?.slug_perm ?? null,
      source_checksum_sha256: source?.checksum_sha256 ?? null,
    },
  };
}

/** The source package now, and the identity the copy is looked up by (from state when the source is gone). */
async function resolveSource(
  ctx: HandlerContext,
  client: CloudsmithClient,
  spec: PackageCopySpec,
  state?: ResourceState,
) {
  const { owner, repository, package: sel } = spec.source;
  const list = await listPackages(ctx, client, owner, repository);
  const source = requirePackageReadable(
    owner,
    repository,
    typeof sel === "string" ? list.find((p) => p.slug_perm === sel) : findPackage(list, sel),
  );
  const o = state?.observed as Record<string, string> | undefined;
  const ref: PackageRef | undefined = source
    ? refOf(source)
    : typeof sel === "object"
      ? sel
      : o?.format
        ? { format: o.format, name: o.name, version: o.version }
        : undefined;
  return { source, ref };
}

async function wait(
  ctx: HandlerContext,
  client: CloudsmithClient,
  key: string,
  spec: PackageCopySpec,
  pkg: Package,
  source: Package | undefined,
  opts: { initial?: PackageStatus; extraResyncs?: number } = {},
): Promise<Observed> {
  const owner = spec.source.owner;
  const label = destLabel(spec, refOf(pkg));
  // A copy that does not finish in time, fails, never reads back, is interrupted, or whose wait
  // meets any other error still exists: the error carries it to state (`recorded`), so the next
  // plan waits on that copy and removing the construct deletes it.
  const final = await waitForSync(ctx, client, {
    owner,
    repository: spec.destination,
    slugPerm: pkg.slug_perm ?? "",
    label,
    timeoutMs: timeoutMs(spec),
    resyncAttempts: spec.resyncAttempts + (opts.extraResyncs ?? 0),
    initial: opts.initial,
    onStatus: (st, note) =>
      ctx.progress(key, {
        message: `${label}: ${note ?? syncSummary(st) + stageSuffix(st)}`,
        fraction: (st.sync_progress ?? 0) / 100,
      }),
  }).catch((err: unknown): never => {
    invalidatePackages(ctx, client, owner, spec.destination);
    const last = err instanceof PackageSyncError ? err.status : {};
    if (err !== null && typeof err === "object")
      Object.assign(err, { recorded: toObserved(owner, spec.destination, { ...pkg, ...last }, source, false) });
    throw err;
  });
  invalidatePackages(ctx, client, owner, spec.destination);
  return toObserved(owner, spec.destination, { ...pkg, ...final }, source, false);
}

async function copyAndWait(
  ctx: HandlerContext,
  client: CloudsmithClient,
  key: string,
  spec: PackageCopySpec,
  source: Package,
  republish: boolean,
  replacing?: string,
): Promise<Observed> {
  const { owner, repository } = spec.source;
  const ref = refOf(source);
  if (!source.is_sync_completed) {
    throw new Error(
      `${refLabel(ref)} in ${owner}/${repository} cannot be copied yet: the source package is not fully ` +
        `synchronised (${syncSummary(source)})`,
    );
  }
  const src = { owner, repository, slugPerm: source.slug_perm ?? "", ref, checksum: source.checksum_sha256 };
  const copied = await copyPackage(ctx, client, src, spec.destination, republish, replacing);
  return wait(ctx, client, key, spec, copied, source, { initial: copied });
}

const sourceMissingError = (spec: PackageCopySpec) =>
  new Error(
    `${selectorText(spec.source.package)} not found in ${spec.source.owner}/${spec.source.repository}: nothing to ` +
      `copy (check source.package)`,
  );

/** A package of the same version that reposmith did not copy, with other content: overwritten only with republish. */
function foreignPackageError(spec: PackageCopySpec, observed: Observed): Error {
  const f = observed.fields as Record<string, string | null>;
  const ref = { format: f.format ?? "", name: f.name ?? "", version: f.version ?? "" };
  return new Error(
    `${spec.source.owner}/${spec.destination} already has ${refLabel(ref)} with checksum ` +
      `${shortChecksum(f.checksum_sha256)}, not the source's ` +
      `${shortChecksum(f.source_checksum_sha256)}, and reposmith did not copy it there; set republish: true to ` +
      `overwrite it`,
  );
}

export const packageCopyHandler: ResourceHandler<PackageCopySpec> = {
  kind: PACKAGE_COPY_KIND,
  spec: PackageCopySpecSchema,

  async observe(ctx, _key, spec, conn, state) {
    const client = ctx.clients.cloudsmith(conn);
    const { source, ref } = await resolveSource(ctx, client, spec, state);
    if (!ref) return undefined;
    const owner = spec.source.owner;
    const known = state && parsePackageId(state.id);
    const stateSlug =
      known && known.owner === owner && known.repository === spec.destination ? known.slugPerm : undefined;
    let found = requirePackageReadable(
      owner,
      spec.destination,
      findPackage(await listPackages(ctx, client, owner, spec.destination), ref, {
        slugPerm: stateSlug,
        checksum: source?.checksum_sha256,
      }),
    );
    // A list may lag a copy (docs/api/cloudsmith.md#eventual-consistency): the copy state knows is
    // read before it is called gone, so a plan right after an apply never copies it again.
    if (stateSlug && found?.slug_perm !== stateSlug) {
      const read = await readPackage(client, owner, spec.destination, stateSlug);
      // Only when it is still the package wanted (a changed version is a replacement, not this copy).
      if (read && refKey(refOf(read)) === refKey(ref)) found = requirePackageReadable(owner, spec.destination, read);
    }
    return found && toObserved(owner, spec.destination, found, source, found.slug_perm !== stateSlug);
  },

  diff(_key, spec, observed) {
    const f = observed.fields;
    const changes: FieldChange[] = [];
    // The source was re-uploaded (its checksum moved on): copy again with republish.
    if (f.source_checksum_sha256 && f.checksum_sha256 !== f.source_checksum_sha256) {
      // Someone else's package of the same version: apply would refuse, so the plan does too.
      if (observed.adopted && !spec.republish) throw foreignPackageError(spec, observed);
      changes.push({
        path: "checksum_sha256",
        old: f.checksum_sha256,
        new: f.source_checksum_sha256,
        effect: "update",
        upstream: true,
      });
    }
    // Copied but not (yet) fully synchronised, e.g. after a crash or a timeout: wait for it, resync it
    // (or, when the API calls the failure permanent, delete the failed copy and copy afresh).
    else if (f.sync !== "completed") {
      const permanent = typeof f.sync === "string" && f.sync.startsWith("failed") && isPermanentFailure(f.sync);
      changes.push({
        path: "sync",
        old: f.sync,
        new: permanent ? "delete the failed copy and copy again" : "completed",
        effect: "update",
      });
    }
    return changes;
  },

  async create(ctx, key, spec, conn) {
    const client = ctx.clients.cloudsmith(conn);
    const { owner, repository } = spec.source;
    const { source } = await resolveSource(ctx, client, spec);
    if (!source) throw sourceMissingError(spec);
    // Adopt first: a copy already in the destination (a crash after the POST) is waited on, not sent again.
    const existing = requirePackageReadable(
      owner,
      spec.destination,
      findPackage(await listPackages(ctx, client, owner, spec.destination), refOf(source), {
        checksum: source.checksum_sha256,
      }),
    );
    if (existing) {
      const observed = toObserved(owner, spec.destination, existing, source, true);
      const changes = packageCopyHandler.diff(key, spec, observed);
      return changes.length ? packageCopyHandler.update(ctx, key, spec, conn, observed, changes) : observed;
    }
    return copyAndWait(ctx, client, key, spec, source, spec.republish);
  },

  async update(ctx, key, spec, conn, observed, changes) {
    const client = ctx.clients.cloudsmith(conn);
    const { owner, repository } = spec.source;
    const { source } = await resolveSource(ctx, client, spec);
    const f = observed.fields as Record<string, string | null>;
    const ref = { format: f.format ?? "", name: f.name ?? "", version: f.version ?? "" };
    const current = { ...f, slug_perm: f.slug_perm ?? undefined } as unknown as Package;
    if (changes.some((c) => c.path === "checksum_sha256")) {
      if (!source) throw new Error(sourceGone(refLabel(ref), `${owner}/${repository}`));
      if (observed.adopted && !spec.republish) throw foreignPackageError(spec, observed);
      return copyAndWait(ctx, client, key, spec, source, true, f.slug_perm ?? undefined);
    }
    if (f.sync?.startsWith("failed") && isPermanentFailure(f.sync)) {
      // Permanent per the API: the failed copy must go; copy afresh.
      await client.packages
        .delete(owner, spec.destination, f.slug_perm ?? "")
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      invalidatePackages(ctx, client, owner, spec.destination);
      if (!source) throw new Error(sourceGone(refLabel(ref), `${owner}/${repository}`));
      return copyAndWait(ctx, client, key, spec, source, spec.republish);
    }
    // Syncing (wait) or failed (resync, with one more attempt than usual: this run starts with a failure).
    return wait(ctx, client, key, spec, current, source, { extraResyncs: f.sync?.startsWith("failed") ? 1 : 0 });
  },

  async observeState(ctx, state, conn) {
    const { owner, repository, slugPerm } = parsePackageId(state.id);
    const client = ctx.clients.cloudsmith(conn);
    try {
      const found =
        (await listPackages(ctx, client, owner, repository)).find((p) => p.slug_perm === slugPerm) ??
        (await readPackage(client, owner, repository, slugPerm));
      return found && toObserved(owner, repository, found, undefined, false);
    } catch (err) {
      if (isNotFound(err)) return undefined; // the repository itself is gone
      throw err;
    }
  },

  async delete(ctx, state, conn) {
    const { owner, repository, slugPerm } = parsePackageId(state.id);
    const client = ctx.clients.cloudsmith(conn);
    try {
      await client.packages.delete(owner, repository, slugPerm);
    } catch (err) {
      if (!isNotFound(err)) throw err; // already gone is success
    }
    invalidatePackages(ctx, client, owner, repository);
  },

  presentation: {
    describe: (spec) =>
      `${spec.source.owner}/${spec.source.repository} ${selectorText(spec.source.package)} -> ` +
      `${spec.source.owner}/${spec.destination}`,

    // Copies carry no tag: the package already in the destination with the source's format/name/version (and checksum).
    foundBy: (spec) => `found in ${spec.source.owner}/${spec.destination} by format/name/version and checksum`,

    createFields(_key, spec) {
      return {
        source: `${spec.source.owner}/${spec.source.repository}`,
        package: typeof spec.source.package === "string" ? spec.source.package : refKey(spec.source.package),
        destination: `${spec.source.owner}/${spec.destination}`,
        republish: spec.republish,
        wait_for_sync: spec.waitForSync.timeout,
      };
    },
  },

  planning: {
    async checkCreate(ctx, _key, spec, conn) {
      const { source } = await resolveSource(ctx, ctx.clients.cloudsmith(conn), spec);
      if (!source) throw sourceMissingError(spec);
    },
  },

  commands: {
    async import(ctx, _key, _spec, id, conn) {
      const { owner, repository, slugPerm } = parsePackageId(id);
      const client = ctx.clients.cloudsmith(conn);
      return toObserved(owner, repository, await client.packages.read(owner, repository, slugPerm), undefined, true);
    },
  },
};
