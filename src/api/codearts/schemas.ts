/**
 * Response shapes of the CodeArts Repo v4 operations reposmith uses and of IAM's token route
 * (https://support.huaweicloud.com/api-codeartsrepo/ShowRemoteMirror.html and the SDK models,
 * https://github.com/huaweicloud/huaweicloud-sdk-go-v3/tree/master/services/codeartsrepo/v4/model).
 * Only what reposmith uses is read (docs/api/cloudsmith.md#tolerant-reads says why): each such field is
 * optional and may be null; every other field passes through unread (null, missing, of another
 * type or new). `id`, `repository_id` and `is_private` of a mirror are only recorded: read where used.
 */
import { z } from "zod";

/** Timestamps are undocumented: keep them as the server's text (numbers become strings). */
const timestamp = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? v : String(v)));
const int = z.number().int().nullish();
const text = z.string().nullish();
const bool = z.boolean().nullish();

/** `MirrorInfo`: the body of associate (201) and show (200). */
export const MirrorInfoSchema = z.looseObject({
  update_status: text,
  last_update_at: timestamp,
  url: text,
  last_successful_update_at: timestamp,
  number_of_failures: int,
  /**
   * Raw API boolean; what `true` means is ambiguous: mapped in one place above this layer
   * (resources/mirroring-enabled.ts).
   */
  mirroring_enabled: bool,
  endpoint_uuid: text,
  last_error: text,
});
export type MirrorInfo = z.output<typeof MirrorInfoSchema>;

/** ShowRemoteMirror's body; an empty or `null` body is a MirrorInfo without fields. */
export const ShowMirrorSchema = z.preprocess((body) => body ?? {}, MirrorInfoSchema);

/**
 * A 200 from ShowRemoteMirror that describes no mirror: neither a source `url` (associate requires
 * one, so every mirror has it) nor a mirror `id`. How a repository without a mirror answers is not
 * documented (https://support.huaweicloud.com/api-codeartsrepo/ShowRemoteMirror.html lists 200,
 * 401, 403 and 404), so this form is accepted as "no mirror" next to a 404.
 */
export function isEmptyMirror(m: MirrorInfo): boolean {
  return !m.url && (m.id === null || m.id === undefined);
}

/** A mirror's `id` when it is the documented integer (else null: it is only recorded). */
export const mirrorIdOf = (m: MirrorInfo): number | null => (typeof m.id === "number" ? m.id : null);

/** A mirror's `is_private` when it is the documented boolean (else null: it is only recorded). */
export const isPrivateOf = (m: MirrorInfo): boolean | null => (typeof m.is_private === "boolean" ? m.is_private : null);

export const SYNC_BRANCH_TYPES = ["all", "default"] as const;
type SyncBranchType = (typeof SYNC_BRANCH_TYPES)[number];

/** Body of `PUT /v4/repositories/{id}/remote-mirror` (all optional). */
export interface MirrorSettings {
  url?: string;
  sync_branch_type?: SyncBranchType;
  /** Raw API boolean (see MirrorInfo.mirroring_enabled). */
  mirroring_enabled?: boolean;
  endpoint_uuid?: string;
}

/**
 * StartRemoteMirrorSynchronization's fields besides the credentials
 * (docs/api/codearts-repo.md#start-synchronization).
 */
export interface StartSyncSettings {
  endpoint_uuid?: string;
  force_fetch?: boolean;
}

export const MirrorSettingsResponseSchema = z.looseObject({
  url: text,
  mirroring_enabled: bool,
  endpoint_uuid: text,
});
export type MirrorSettingsResponse = z.output<typeof MirrorSettingsResponseSchema>;

/** The start's answer: its `jid` is only shown in messages, so any other type reads as none. */
export const StartSyncResponseSchema = z.looseObject({
  jid: z.unknown().transform((v) => (typeof v === "string" || typeof v === "number" ? String(v) : undefined)),
});

/** `GET /v4/repositories/{id}`: reposmith only needs it to exist, so no field is read. */
export const RepositorySchema = z.looseObject({});
export type CodeArtsRepository = z.output<typeof RepositorySchema>;

/**
 * IAM `POST /v3/auth/tokens` body (the token itself is the X-Subject-Token header): only the two
 * timestamps are read (the token's lifetime); `user`, `project`, `catalog` and the rest pass unread.
 */
export const IamTokenBodySchema = z.looseObject({
  token: z.looseObject({
    expires_at: z.string(),
    issued_at: z.string().nullish(),
  }),
});
