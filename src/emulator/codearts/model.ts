/**
 * CodeArts Repo emulator records and the `{error_code, error_msg}` errors
 * (https://support.huaweicloud.com/intl/en-us/api-codeartsrepo/ErrorCode.html).
 * Built from the API document only; nothing here is shared with the project's client.
 */
import { ApiError } from "../errors";

export interface CaUser {
  domain: string;
  name: string;
  password: string;
}

/** A Git source a mirror can pull from. Private when it has a username/password. */
export interface CaSource {
  url: string;
  username?: string;
  password?: string;
  /** Every sync from it fails as if the host could not be reached. */
  unreachable: boolean;
}

/** A CodeArts service endpoint ("extension point") holding source credentials. */
export interface CaEndpoint {
  uuid: string;
  username: string;
  password: string;
}

interface CaSyncJob {
  jid: string;
  /** Epoch ms the start request arrived. */
  startedAt: number;
  /** Decoded credentials of the start request (or undefined). */
  username?: string;
  password?: string;
  endpointUuid?: string;
  forceFetch: boolean;
}

/** What a start request carried, as sent (base64 strings included), for tests to inspect. */
interface CaStartRecord {
  jid: string;
  at: string;
  body: Record<string, unknown>;
}

export interface CaMirror {
  id: number;
  url: string;
  /** The truth: is scheduled sync on? `mirroring_enabled` is derived from it per the configured reading. */
  scheduled: boolean;
  endpoint_uuid: string;
  sync_branch_type: "all" | "default";
  is_private: boolean;
  update_status: string;
  last_update_at: string | null;
  last_successful_update_at: string | null;
  number_of_failures: number;
  last_error: string | null;
  job?: CaSyncJob;
  starts: CaStartRecord[];
}

export interface CaRepository {
  id: number;
  name: string;
  project_id: string;
  uuid: string;
  /** IAM actions this emulator refuses with 403 CH.004403: "getRepository", "setRepository". */
  denied: Set<string>;
  mirror?: CaMirror;
}

export interface CaToken {
  value: string;
  user: CaUser;
  project: string;
  /** Real expiry (epoch ms): after it the API answers 401 DEV.00000003. */
  expiresAt: number;
}

export interface CaSettings {
  /** Real lifetime of IAM tokens. @default 86400000 (24 h) */
  tokenTtlMs: number;
  /**
   * Lifetime `expires_at` advertises; when longer than tokenTtlMs, tokens die before their stated
   * expiry (a password change, clock skew), so only a 401 tells the client. @default - tokenTtlMs
   */
  advertisedTtlMs: number | null;
  /** Time a started sync spends in "scheduled" before "started". @default 100 */
  queueMs: number;
  /** Time from "started" to "finished"/"failed". @default 200 */
  syncMs: number;
  /**
   * What `mirroring_enabled: true` means, on every route that reads or returns it. The update API
   * documents "true: scheduled synchronization is not enabled"
   * (https://support.huaweicloud.com/api-codeartsrepo/UpdateRepositoryRemoteMirror.html); the field's
   * name says the opposite, and the show page gives no value range. @default "true-means-off"
   */
  mirroringEnabledReading: MirroringEnabledReading;
  /**
   * How ShowRemoteMirror answers for a repository that has no mirror: undocumented
   * (https://support.huaweicloud.com/api-codeartsrepo/ShowRemoteMirror.html), so either a 404
   * CH.000404 or a 200 whose fields are empty. @default "404"
   */
  noMirrorResponse: NoMirrorResponse;
  /**
   * What UpdateRepositoryRemoteMirror does with `endpoint_uuid: ""`. Its page documents the field
   * as a string and says nothing of an empty one
   * (https://support.huaweicloud.com/api-codeartsrepo/UpdateRepositoryRemoteMirror.html):
   * "clears" = the mirror is left without an endpoint; "refused" = 400 CH.010001 (a parameter check).
   * @default "clears"
   */
  emptyEndpointUuid: EmptyEndpointUuid;
  /**
   * What UpdateRepositoryRemoteMirror does with the fields a PUT leaves out: its page marks all four
   * optional and says nothing of the others' fate. "kept": they stay as they are; "reset": an
   * omitted endpoint_uuid is cleared and an omitted sync_branch_type goes back to "all" (a full
   * replace; the url always stays). @default "kept"
   */
  putOmittedFields: PutOmittedFields;
  /**
   * Answers as loose as a live server may give: ShowRemoteMirror, AssociateRemoteMirror,
   * UpdateRepositoryRemoteMirror and ShowRepository bodies carry the fields reposmith does not use
   * null, missing or of another type, plus a field the SDK models do not have. @default false
   */
  looseAnswers: boolean;
}

export const MIRRORING_ENABLED_READINGS = ["true-means-off", "true-means-on"] as const;
export type MirroringEnabledReading = (typeof MIRRORING_ENABLED_READINGS)[number];
export const NO_MIRROR_RESPONSES = ["404", "empty200"] as const;
export const EMPTY_ENDPOINT_UUID = ["clears", "refused"] as const;
export const PUT_OMITTED_FIELDS = ["kept", "reset"] as const;
export type PutOmittedFields = (typeof PUT_OMITTED_FIELDS)[number];
export type EmptyEndpointUuid = (typeof EMPTY_ENDPOINT_UUID)[number];
export type NoMirrorResponse = (typeof NO_MIRROR_RESPONSES)[number];

export const DEFAULT_SETTINGS: CaSettings = {
  tokenTtlMs: 86_400_000,
  advertisedTtlMs: null,
  queueMs: 100,
  syncMs: 200,
  mirroringEnabledReading: "true-means-off",
  noMirrorResponse: "404",
  emptyEndpointUuid: "clears",
  putOmittedFields: "kept",
  looseAnswers: false,
};

export const MAX_REPOSITORY_ID = 2_147_483_647;

/** A CodeArts-shaped error reply. */
export function caError(status: number, code: string, msg: string): ApiError {
  return new ApiError(status, { error_code: code, error_msg: msg });
}

export const invalidParam = (msg: string) => caError(400, "CH.010001", msg);
export const repositoryNotFound = () => caError(404, "CH.004404", "Repository Not Found");
/**
 * No mirror associated with an existing repository: the generic
 * "Resource unavailable" code (the real answer is undocumented).
 */
export const mirrorNotFound = () => caError(404, "CH.000404", "Remote mirror not found");
export const insufficientPermission = () =>
  caError(403, "CH.004403", "Insufficient permissions. Apply for the required permission and try again.");

/** The CodeArts body of an injected fault, by status (the error-code page above). */
export function faultBody(status: number): { error_code: string; error_msg: string } {
  const known: Record<number, [string, string]> = {
    400: ["CH.010001", "Invalid parameter."],
    401: ["DEV.00000003", "Authentication information expired."],
    403: ["CH.004403", "Insufficient permissions. Apply for the required permission and try again."],
    404: ["CH.004404", "Repository Not Found"],
    429: ["APIG.0308", "The throttling threshold has been reached."],
    500: ["CH.000001", "Unknown error."],
    504: ["CH.080504", "Gateway timeout."],
  };
  const [error_code, error_msg] = known[status] ?? ["CH.000001", `Emulated fault (HTTP ${status}).`];
  return { error_code, error_msg };
}
