/**
 * Zod schemas for Cloudsmith packages (spec/cloudsmith-openapi.json: Package, PackageCopy,
 * PackageResync, PackageStatus, PackageCopyRequest; docs/api/cloudsmith.md#packages).
 *
 * Loose on purpose, like schemas.ts: the spec lists 92 read-only fields and marks none required;
 * only the ones reposmith reads are typed, every other field passes through. Blank values may come
 * back as null ([docs]), so everything is nullable and optional.
 */
import { z } from "zod";

const str = z.string().nullable().optional();
const int = z.number().int().nullable().optional();
const bool = z.boolean().nullable().optional();

/** The sync/status fields shared by Package and PackageStatus (docs/api/cloudsmith.md#package-status). */
const SYNC_FIELDS = {
  /** Plain integer without an enum; decide with the is_sync_* booleans (docs/api/cloudsmith.md#package-status-codes). */
  status: int,
  status_str: str,
  status_reason: str,
  status_updated_at: str,
  stage: int,
  stage_str: str,
  stage_updated_at: str,
  /** 0-100. */
  sync_progress: int,
  sync_finished_at: str,
  is_sync_awaiting: bool,
  is_sync_in_progress: bool,
  is_sync_in_flight: bool,
  is_sync_completed: bool,
  is_sync_failed: bool,
  is_copyable: bool,
  is_deleteable: bool,
  is_resyncable: bool,
  is_quarantined: bool,
  self_url: str,
};

export const PackageStatusSchema = z.looseObject(SYNC_FIELDS);
export type PackageStatus = z.infer<typeof PackageStatusSchema>;

/** `Package` (list), `PackageDetail` (read), `PackageCopy` (copy) and `PackageResync` (resync) share this shape. */
export const PackageSchema = z.looseObject({
  ...SYNC_FIELDS,
  /** The permanent id; differs between a package and its copy. */
  slug_perm: str,
  /** Derived from name/version: can change, never a key (docs/api/cloudsmith.md#stable-identity). */
  slug: str,
  identifier_perm: str,
  name: str,
  version: str,
  format: str,
  filename: str,
  checksum_md5: str,
  checksum_sha1: str,
  checksum_sha256: str,
  checksum_sha512: str,
  size: int,
  repository: str,
  namespace: str,
  origin_repository: str,
  tags: z.record(z.string(), z.unknown()).nullable().optional(),
  uploaded_at: str,
  status_url: str,
  cdn_url: str,
});
export type Package = z.infer<typeof PackageSchema>;

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
