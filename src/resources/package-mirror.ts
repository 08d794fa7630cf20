/**
 * PackageMirror: keeps every package of a source repository that matches a Cloudsmith search query
 * copied into a destination repository of the same namespace. One resource whose observed fields
 * list the mirrored packages; a plan names each package to copy, republish, wait for, resync or
 * (with `prune`) delete. Copies run in parallel (bounded; the shared limiter paces API calls), each
 * waited on like a PackageCopy.
 */
import { z } from "zod";
import { isNotFound, type CloudsmithClient, type Package, type PackageStatus } from "../api/cloudsmith";
import { repositorySlug, slug } from "./common";
import {
  copyPackage,
  findPackage,
  invalidatePackages,
  listPackages,
  malformedPackage,
  readPackage,
  refKey,
  refLabel,
  refOf,
  shortChecksum,
  syncOptions,
  syncSummary,
  timeoutMs,
} from "./package-common";
import { isPermanentFailure, waitForSync } from "./package-sync";
import { settleAll } from "../util/pool";
import type { ResourceHandler } from "./contract";
import type { ConnectionRef, FieldChange, HandlerContext, Observed } from "./types";
import { DESTINATION_IS_SOURCE } from "./messages";

export const PACKAGE_MIRROR_KIND = "PackageMirror";

/** Catches what would only fail at the API: unbalanced parentheses or quotes. */
function queryProblem(q: string): string | undefined {
  if ((q.match(/"/g) ?? []).length % 2) return "query has an unterminated double quote";
  let depth = 0;
  for (const c of q.replace(/"[^"]*"/g, "")) {
    depth += c === "(" ? 1 : c === ")" ? -1 : 0;
    if (depth < 0) return 'query has a ")" without its "("';
  }
  return depth ? 'query has a "(" without its ")"' : undefined;
}

export const PackageMirrorSpecSchema = z
  .object({
    source: z
      .object({ owner: slug("source.owner"), repository: repositorySlug("source.repository", "source.owner") })
      .strict(),
    destination: repositorySlug("destination", "source.owner"),
    /** Cloudsmith search syntax; empty = every package. */
    query: z.string().max(1024, { error: "query must be at most 1024 characters" }).default(""),
    prune: z.boolean().default(false),
    /**
     * Overwrite a package of the same version that this mirror did not copy (uploaded by hand). Optional, so specs
     * without it keep their generation.
     */
    republish: z.boolean().optional(),
    parallelism: z
      .number()
      .int({ error: "parallelism must be a whole number" })
      .min(1, { error: "parallelism must be at least 1" })
      .max(50, { error: "parallelism must be at most 50" })
      .default(10),
    ...syncOptions,
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.destination === s.source.repository)
      ctx.addIssue({ code: "custom", path: ["destination"], message: DESTINATION_IS_SOURCE });
    const q = queryProblem(s.query);
    if (q) ctx.addIssue({ code: "custom", path: ["query"], message: `${q} (got ${JSON.stringify(s.query)})` });
  });

export type PackageMirrorSpec = z.output<typeof PackageMirrorSpecSchema>;
export type PackageMirrorInput = z.input<typeof PackageMirrorSpecSchema>;

/** One mirrored package as kept in state: its source and its copy (null when missing). */
interface Entry {
  format: string;
  name: string;
  version: string;
  source_slug_perm: string;
  source_checksum_sha256: string | null;
  slug_perm: string | null;
  checksum_sha256: string | null;
  sync: string | null;
  /** True when this mirror made the copy (not found already there): only such copies are ever pruned. */
  copied?: boolean;
}

type Verb = "copy" | "republish" | "wait" | "resync" | "recopy" | "delete";

const mirrorId = (s: PackageMirrorSpec) => `${s.source.owner}/${s.source.repository}->${s.destination}`;
const path = (k: string) => `packages[${JSON.stringify(k)}]`;

/**
 * A package of the destination with the source's version but other content, which this mirror did not copy (uploaded by
 * hand).
 */
const isForeign = (e: Entry) =>
  !!e.slug_perm && !e.copied && !!e.source_checksum_sha256 && e.checksum_sha256 !== e.source_checksum_sha256;

/**
 * What each package needs, in plan order. A foreign package is overwritten only with `republish`; otherwise it is left
 * alone (see foreignNotice).
 */
function work(
  fields: Record<string, unknown>,
  republish = false,
): { key: string; verb: Verb; entry?: Entry; slugPerm?: string; old: unknown }[] {
  const out: { key: string; verb: Verb; entry?: Entry; slugPerm?: string; old: unknown }[] = [];
  for (const [key, e] of Object.entries((fields.packages ?? {}) as Record<string, Entry>).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (!e.slug_perm) out.push({ key, verb: "copy", entry: e, old: null });
    else if (isForeign(e)) {
      if (republish)
        out.push({
          key,
          verb: "republish",
          entry: e,
          old: `checksum ${shortChecksum(e.checksum_sha256)} (not copied by this mirror)`,
        });
    } else if (e.source_checksum_sha256 && e.checksum_sha256 !== e.source_checksum_sha256)
      out.push({ key, verb: "republish", entry: e, old: `checksum ${shortChecksum(e.checksum_sha256)}` });
    else if (e.sync !== "completed") {
      const verb = !e.sync?.startsWith("failed") ? "wait" : isPermanentFailure(e.sync) ? "recopy" : "resync";
      out.push({ key, verb, entry: e, old: e.sync });
    }
  }
  for (const [key, slugPerm] of Object.entries((fields.extra ?? {}) as Record<string, string>))
    out.push({ key, verb: "delete", slugPerm, old: "present" });
  return out;
}

/**
 * Says which packages the mirror leaves alone because it did not copy them and they differ from the
 * source: the promise (docs/tour.md) that a mirror never overwrites a package uploaded by hand.
 */
function foreignNotice(key: string, spec: PackageMirrorSpec, packages: Record<string, Entry>): string | undefined {
  if (spec.republish) return undefined;
  const foreign = Object.entries(packages)
    .filter(([, e]) => isForeign(e))
    .sort(([a], [b]) => a.localeCompare(b));
  if (!foreign.length) return undefined;
  const where = `${spec.source.owner}/${spec.destination}`;
  const shown = foreign
    .slice(0, 10)
    .map(
      ([k, e]) =>
        `${k} (checksum ${shortChecksum(e.checksum_sha256)} in ${where}, ` +
        `${shortChecksum(e.source_checksum_sha256)} in ${spec.source.owner}/${spec.source.repository})`,
    );
  const more = foreign.length > shown.length ? ` and ${foreign.length - shown.length} more` : "";
  return (
    `${key}: left alone in ${where}, which already has ` +
    `${foreign.length === 1 ? "this package" : "these packages"} with other content and this mirror did not ` +
    `copy ${foreign.length === 1 ? "it" : "them"}: ` +
    `${shown.join(", ")}${more}; set republish: true on the PackageMirror to overwrite ` +
    `${foreign.length === 1 ? "it" : "them"} with the source's, or delete ` +
    `${foreign.length === 1 ? "it" : "them"} from ${where}`
  );
}

/**
 * The copies this mirror made, by slug_perm, from what was last recorded plus those made just now.
 * Prune deletes only these: never a package someone uploaded, nor another construct's copy.
 */
function madeByMirror(previous: Record<string, unknown> | undefined, now: Map<string, string>): Set<string> {
  const made = new Set(now.values());
  for (const e of Object.values((previous?.packages ?? {}) as Record<string, Entry>))
    if (e.copied && e.slug_perm) made.add(e.slug_perm);
  return made;
}

/** The state entry of a source package and its copy in the destination (undefined: not there). */
function entryOf(s: Package, d: Package | undefined, made: Set<string>): Entry {
  return {
    ...refOf(s),
    source_slug_perm: s.slug_perm ?? "",
    source_checksum_sha256: s.checksum_sha256 ?? null,
    slug_perm: d?.slug_perm ?? null,
    checksum_sha256: d?.checksum_sha256 ?? null,
    sync: d ? syncSummary(d) : null,
    ...(d?.slug_perm && made.has(d.slug_perm) ? { copied: true } : {}),
  };
}

async function observeMirror(
  ctx: HandlerContext,
  client: CloudsmithClient,
  key: string,
  spec: PackageMirrorSpec,
  previous?: Record<string, unknown>,
  copiedNow = new Map<string, string>(),
): Promise<Observed> {
  const made = madeByMirror(previous, copiedNow);
  const before = (previous?.packages ?? {}) as Record<string, Entry>;
  const { owner, repository } = spec.source;
  const sources = await listPackages(ctx, client, owner, repository, spec.query);
  const dest = await listPackages(ctx, client, owner, spec.destination);
  const packages: Record<string, Entry> = {};
  let pending = 0;
  // A package the API answered malformed is left out (said once), never copied, compared or pruned.
  const unreadable = new Set<string>();
  const leaveOut = (repo: string, p: Package) => {
    const problem = malformedPackage(owner, repo, p);
    if (problem) unreadable.add(problem);
    return problem !== undefined;
  };
  const readable: Package[] = [];
  const unreadableRefs = new Set<string>();
  const lagging: { k: string; s: Package; slugPerm: string }[] = [];
  for (const d of dest) {
    if (leaveOut(spec.destination, d)) unreadableRefs.add(refKey(refOf(d)));
    else readable.push(d);
  }
  for (const s of sources) {
    if (leaveOut(repository, s)) continue;
    const k = refKey(refOf(s));
    if (packages[k]) continue; // newest first (the API's default sort): the first one wins
    // Its copy may be the malformed one: not copied again beside it.
    if (unreadableRefs.has(k)) continue;
    // A source still syncing cannot be copied yet (400 wrong state): a later apply picks it up.
    if (!s.is_sync_completed) {
      pending++;
      continue;
    }
    const d = findPackage(readable, refOf(s), { checksum: s.checksum_sha256 });
    packages[k] = entryOf(s, d, made);
    // A copy made now or recorded before that the list does not show may be one the list lags
    // (docs/api/cloudsmith.md#eventual-consistency): read before it counts as missing.
    const known = copiedNow.get(k) ?? before[k]?.slug_perm;
    if (!d && known) lagging.push({ k, s, slugPerm: known });
  }
  await settleAll(lagging, spec.parallelism, async ({ k, s, slugPerm }) => {
    const d = await readPackage(client, owner, spec.destination, slugPerm);
    if (d && !malformedPackage(owner, spec.destination, d) && refKey(refOf(d)) === k) packages[k] = entryOf(s, d, made);
  });
  if (pending)
    ctx.notice(
      `${key}: ${pending} source package(s) matching the query are still syncing in ${owner}/${repository}; a ` +
        `later apply mirrors them`,
    );
  const foreign = foreignNotice(key, spec, packages);
  if (foreign) ctx.notice(foreign);
  for (const problem of unreadable) ctx.notice(`${key}: left out: ${problem}`);
  const extra: Record<string, string> = {};
  if (spec.prune) {
    const wanted = new Set(sources.map((s) => refKey(refOf(s))));
    for (const d of await listPackages(ctx, client, owner, spec.destination, spec.query)) {
      if (malformedPackage(owner, spec.destination, d)) continue;
      const k = refKey(refOf(d));
      if (!wanted.has(k) && d.slug_perm && made.has(d.slug_perm)) extra[`${k}#${d.slug_perm}`] = d.slug_perm;
    }
  }
  return {
    id: mirrorId(spec),
    adopted: false,
    fields: {
      source: `${owner}/${repository}`,
      destination: `${owner}/${spec.destination}`,
      query: spec.query,
      count: Object.keys(packages).length,
      packages,
      extra,
    },
  };
}

async function converge(
  ctx: HandlerContext,
  key: string,
  spec: PackageMirrorSpec,
  conn: ConnectionRef | undefined,
  observed: Observed,
  prunes?: Set<string>,
): Promise<Observed> {
  const client = ctx.clients.cloudsmith(conn);
  const { owner, repository } = spec.source;
  const items = work(observed.fields, spec.republish).filter(
    (w) => w.verb !== "delete" || (prunes?.has(path(w.key)) ?? false),
  );
  const fraction = new Map(items.map((i) => [i.key, 0]));
  const failed = new Set<string>();
  const report = () => {
    const done = [...fraction.values()].filter((f) => f >= 1).length;
    const total = items.length || 1;
    const sum = [...fraction.values()].reduce((a, b) => a + b, 0);
    ctx.progress(key, {
      message:
        `${done}/${items.length} package(s) done${failed.size ? `, ${failed.size} failed` : ""} ` +
        `(${owner}/${repository} -> ${spec.destination})`,
      fraction: sum / total,
    });
  };
  const waitFor = async (k: string, e: Entry, slugPerm: string, initial?: PackageStatus, extraResyncs = 0) => {
    await waitForSync(ctx, client, {
      owner,
      repository: spec.destination,
      slugPerm,
      label: `${refLabel(e)} in ${owner}/${spec.destination}`,
      timeoutMs: timeoutMs(spec),
      resyncAttempts: spec.resyncAttempts + extraResyncs,
      initial,
      onStatus: (st) => (
        fraction.set(k, st.is_sync_completed ? 1 : Math.min(0.99, (st.sync_progress ?? 0) / 100)),
        report()
      ),
    });
  };
  const copiedNow = new Map<string, string>();
  const copyFor = async (k: string, e: Entry, republish: boolean, replacing?: string) => {
    const src = { owner, repository, slugPerm: e.source_slug_perm, ref: e, checksum: e.source_checksum_sha256 };
    const copied: Package = await copyPackage(ctx, client, src, spec.destination, republish, replacing);
    if (copied.slug_perm) copiedNow.set(k, copied.slug_perm);
    await waitFor(k, e, copied.slug_perm ?? "", copied);
  };
  report();
  let notStarted = 0;
  const results = await settleAll(items, spec.parallelism, async (i) => {
    // Interrupted (Ctrl-C): the members in flight stop at their next poll; no new copy starts.
    if (ctx.interrupted?.()) {
      notStarted++;
      fraction.set(i.key, 1);
      return;
    }
    try {
      const e = i.entry!;
      switch (i.verb) {
        case "copy":
          return await copyFor(i.key, e, false);
        case "republish":
          return await copyFor(i.key, e, true, e.slug_perm ?? undefined);
        case "wait":
          return await waitFor(i.key, e, e.slug_perm!);
        case "resync":
          return await waitFor(i.key, e, e.slug_perm!, undefined, 1);
        case "recopy":
          await client.packages
            .delete(owner, spec.destination, e.slug_perm!)
            .catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
          return await copyFor(i.key, e, false);
        case "delete":
          await client.packages
            .delete(owner, spec.destination, i.slugPerm!)
            .catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
          return;
      }
    } catch (err) {
      failed.add(i.key);
      throw err;
    } finally {
      fraction.set(i.key, 1);
      report();
    }
  });
  invalidatePackages(ctx, client, owner, spec.destination);
  const failures = results.flatMap((r, n) =>
    r.status === "rejected" ? [`${items[n].key}: ${(r.reason as Error)?.message ?? String(r.reason)}`] : [],
  );
  if (notStarted) failures.push(`${notStarted} package(s) not started: the run was interrupted`);
  if (failures.length) {
    const missing = results.filter((r) => r.status === "rejected").length + notStarted;
    const err = new Error(
      `${missing} of ${items.length} package(s) could not be mirrored into ${owner}/${spec.destination} (the ` +
        `others are done; the next apply retries only these):\n  ${failures.join("\n  ")}`,
    );
    // What did get done is recorded (see `recorded` in engine/apply.ts): the copies made keep their
    // "copied" mark, so a later prune deletes them and a re-uploaded source republishes them.
    const recorded = await observeMirror(ctx, client, key, spec, observed.fields, copiedNow).catch(() => undefined);
    throw recorded ? Object.assign(err, { recorded }) : err;
  }
  return observeMirror(ctx, client, key, spec, observed.fields, copiedNow);
}

export const packageMirrorHandler: ResourceHandler<PackageMirrorSpec> = {
  kind: PACKAGE_MIRROR_KIND,
  spec: PackageMirrorSpecSchema,

  /** Always "exists": a mirror is the set of packages, and a plan lists what it lacks. */
  observe: (ctx, key, spec, conn, state) =>
    observeMirror(ctx, ctx.clients.cloudsmith(conn), key, spec, state?.observed),

  diff(_key, spec, observed) {
    const NEW: Record<Verb, string | null> = {
      copy: "copy",
      republish: "republish",
      wait: "wait",
      resync: "resync",
      recopy: "delete and copy",
      delete: null,
    };
    return work(observed.fields, spec.republish).map((w): FieldChange =>
      w.verb === "delete"
        ? {
            path: path(w.key),
            old: w.old,
            new: null,
            effect: "delete",
            objectId: `${spec.source.owner}.${spec.destination}.${w.slugPerm}`,
          }
        : { path: path(w.key), old: w.old, new: NEW[w.verb], effect: "update" },
    );
  },

  async create(ctx, key, spec, conn) {
    return converge(ctx, key, spec, conn, await observeMirror(ctx, ctx.clients.cloudsmith(conn), key, spec));
  },

  // Only the prunes the plan kept (the engine spares copies another resource manages).
  update: (ctx, key, spec, conn, observed, changes) =>
    converge(ctx, key, spec, conn, observed, new Set(changes.filter((c) => c.effect === "delete").map((c) => c.path))),

  /** Nothing to look up: removing a mirror leaves its packages (see deletion). */
  observeState: async (_ctx, state) => ({ id: state.id, fields: state.observed }),

  async delete() {
    /* nothing to delete remotely: see deletion */
  },

  presentation: {
    describe: (spec) =>
      `${spec.source.owner}/${spec.source.repository} -> ` +
      `${spec.source.owner}/${spec.destination}${spec.query ? ` "${spec.query}"` : ""}`,

    /**
     * Drift reads "was applied -> is now" for each package: the copy the last apply left against what
     * the repositories hold now (not the plan's verbs, which read backwards when flipped).
     */
    driftChanges(_key, spec, observed, state) {
      const was = (state.observed.packages ?? {}) as Record<string, Entry>;
      const src = `${spec.source.owner}/${spec.source.repository}`;
      const dest = `${spec.source.owner}/${spec.destination}`;
      return work(observed.fields, spec.republish).map((w): FieldChange => {
        const prev = was[w.key];
        const e = w.entry!;
        const change = (old: unknown, now: unknown): FieldChange => ({
          path: path(w.key),
          old,
          new: now,
          effect: w.verb === "delete" ? "delete" : "update",
        });
        switch (w.verb) {
          case "copy":
            return prev?.slug_perm
              ? change(`copied (checksum ${shortChecksum(prev.checksum_sha256)})`, `missing from ${dest}`)
              : change(null, `in ${src}, not copied yet`);
          case "republish":
            // The source was re-uploaded since it was copied, or the copy itself was replaced.
            if (prev?.source_checksum_sha256 && prev.source_checksum_sha256 !== e.source_checksum_sha256) {
              return change(
                `source checksum ${shortChecksum(prev.source_checksum_sha256)}`,
                `source checksum ${shortChecksum(e.source_checksum_sha256)} (re-uploaded)`,
              );
            }
            return change(
              prev?.checksum_sha256 ? `checksum ${shortChecksum(prev.checksum_sha256)}` : null,
              `checksum ${shortChecksum(e.checksum_sha256)}, not the source's ` +
                `${shortChecksum(e.source_checksum_sha256)}`,
            );
          case "wait":
          case "resync":
          case "recopy":
            return change(prev?.sync ?? null, e.sync);
          case "delete":
            return change(`copied from ${src}`, `source gone from ${src}`);
        }
      });
    },

    foundBy: (spec) => `every package matching the query is already in ${spec.source.owner}/${spec.destination}`,

    describeDeletes: (n) => `will delete ${n} ${n === 1 ? "copy" : "copies"} it made whose source is gone`,

    createFields: (_key, spec) => ({
      source: `${spec.source.owner}/${spec.source.repository}`,
      destination: `${spec.source.owner}/${spec.destination}`,
      query: spec.query,
      prune: spec.prune,
      ...(spec.republish ? { republish: true } : {}),
    }),

    deleteNotice: (state) =>
      `the packages mirrored into ${String(state.observed.destination ?? "the destination")} are left in place; ` +
      `delete them by hand if they should go`,
  },

  planning: {
    // Two mirrors of one source and destination (different queries) are fine: each copies its own packages.
    sharedId: true,
  },

  // A mirror owns no remote object of its own: removing it leaves the packages it copied.
  deletion: { removes: () => false, forgets: () => true },
};
