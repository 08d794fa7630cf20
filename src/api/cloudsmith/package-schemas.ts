/**
 * Zod schemas for Cloudsmith packages (spec/cloudsmith-openapi.json: Package, PackageCopy,
 * PackageResync, PackageStatus, PackageCopyRequest; docs/api/cloudsmith.md#packages).
 *
 * Only what reposmith uses is read (docs/api/cloudsmith.md#tolerant-reads): the spec lists 92 read-only
 * fields and marks none required; the identity (slug_perm, format, name, version, checksum_sha256),
 * what state keeps (filename, size) and the sync fields are checked, each nullable and optional
 * (blank values come back as null). Every other field passes through unread: it may be null,
 * missing, of another type or new. `stage` and `status_updated_at` only feed messages and
 * estimates: read where used, and only when of the documented type.
 */
import { z } from "zod";

const str = z.string().nullish();
const int = z.number().int().nullish();
const bool = z.boolean().nullish();

/** The sync/status fields shared by Package and PackageStatus (docs/api/cloudsmith.md#package-status). */
const SYNC_FIELDS = {
  status_str: str,
  status_reason: str,
  stage_str: str,
  /** 0-100. */
  sync_progress: int,
  is_sync_awaiting: bool,
  is_sync_in_progress: bool,
  is_sync_completed: bool,
  is_sync_failed: bool,
};

export const PackageStatusSchema = z.looseObject(SYNC_FIELDS);
export type PackageStatus = z.infer<typeof PackageStatusSchema>;

/** `Package` (list), `PackageDetail` (read), `PackageCopy` (copy) and `PackageResync` (resync) share this shape. */
export const PackageSchema = z.looseObject({
  ...SYNC_FIELDS,
  /** The permanent id; differs between a package and its copy. */
  slug_perm: str,
  name: str,
  version: str,
  format: str,
  filename: str,
  checksum_sha256: str,
  size: int,
});
export type Package = z.infer<typeof PackageSchema>;

/** `stage` when it is the documented integer (messages only). */
export const stageOf = (st: PackageStatus): number | undefined => (typeof st.stage === "number" ? st.stage : undefined);

/** `status_updated_at` when it is a string (an estimate's start). */
export const statusUpdatedAt = (st: PackageStatus): string | undefined =>
  typeof st.status_updated_at === "string" ? st.status_updated_at : undefined;

/** Body of `packages_copy`; the spec's read-only extras (is_malware_detected, vulnerability_counts) are never sent. */
const PackageCopyRequestSchema = z
  .object({
    /** Target repository slug in the same namespace, without the namespace. */
    destination: z.string().min(1),
    /** Overwrite a package with the same attributes instead of flagging the copy as a duplicate. */
    republish: z.boolean().optional(),
  })
  .strict();
export type PackageCopyRequest = z.infer<typeof PackageCopyRequestSchema>;
