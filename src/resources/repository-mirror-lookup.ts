/**
 * Does a CodeArts repository have a mirror, and does the repository still exist? Told apart from
 * what the public documentation says about each answer:
 * - 200 with a mirror → the mirror.
 * - 200 with no `url` and no `id` (or an empty body) → no mirror (isEmptyMirror: how a repository
 *   without a mirror answers is undocumented, so this form is accepted as well as a 404).
 * - 404 APIG.* / APIGW.* → the API gateway has no such route (wrong endpoint or region,
 *   https://support.huaweicloud.com/intl/en-us/usermanual-apig/apig_03_0048.html): an error, never
 *   "absent".
 * - any other 404 (CH.004404 "Repository Not Found" as the mirror pages document it,
 *   https://support.huaweicloud.com/intl/en-us/api-codeartsrepo/StartRemoteMirrorSynchronization.html;
 *   CH.000404 "Resource unavailable", which names no resource,
 *   https://support.huaweicloud.com/intl/en-us/api-codeartsrepo/ErrorCode.html; or no code at all)
 *   → the repository itself is read (ShowRepository): if it is there, there is no mirror yet; if
 *   CodeArts says it is not (a CH.* 404), the repository is gone. Any other answer is an error.
 * - 401 CH.080401 → terraform-provider-huaweicloud reads it as "repository deleted or member
 *   removed"; believed only when the repository read says so too.
 */
import {
  ApiError,
  CodeArtsClient,
  MirrorInfo,
  isCodeArtsNotFound,
  isEmptyMirror,
  isGatewayNotFound,
  isNoResourcePermission,
} from "../api/codearts";

export type MirrorLookup =
  | { found: "mirror"; mirror: MirrorInfo }
  /** `answer`: how ShowRemoteMirror said so (the emulator's noMirrorResponse values), for `reposmith doctor`. */
  | { found: "no-mirror"; answer: "404" | "empty200" }
  /** The repository does not exist (any more): `error` is CodeArts' answer to ShowRepository. */
  | { found: "repository-gone"; error: ApiError };

/** A repository read that says the repository is not there (as opposed to a route or server problem). */
const repositoryMissing = (e: unknown): e is ApiError => isCodeArtsNotFound(e) || isNoResourcePermission(e);

/** Reads the repository after an ambiguous mirror answer: there (no mirror), gone, or the read's own error. */
async function confirmRepository(client: CodeArtsClient, repositoryId: number): Promise<MirrorLookup> {
  try {
    await client.showRepository(repositoryId);
    return { found: "no-mirror", answer: "404" };
  } catch (e) {
    if (repositoryMissing(e)) return { found: "repository-gone", error: e };
    throw e;
  }
}

export async function lookupMirror(client: CodeArtsClient, repositoryId: number): Promise<MirrorLookup> {
  let mirror: MirrorInfo;
  try {
    mirror = await client.showMirror(repositoryId);
  } catch (e) {
    if (isGatewayNotFound(e)) throw e;
    if (e instanceof ApiError && e.status === 404) return confirmRepository(client, repositoryId);
    if (!isNoResourcePermission(e)) throw e;
    const confirmed = await confirmRepository(client, repositoryId);
    // The repository is there: the 401 is about permissions after all, and says what to grant.
    if (confirmed.found === "no-mirror") throw e;
    return confirmed;
  }
  return isEmptyMirror(mirror) ? { found: "no-mirror", answer: "empty200" } : { found: "mirror", mirror };
}

/**
 * The error for a mirror whose repository does not exist: names the repository and CodeArts'
 * answer, and what to do. Nothing is created or forgotten on the way.
 */
export function repositoryGoneError(repositoryId: number, cause: ApiError): Error {
  return new Error(
    `${cause.message}: CodeArts repository ${repositoryId} does not exist (deleted, or a wrong repositoryId), so ` +
      `it cannot mirror anything; ` +
      `set repositoryId to an existing repository, or remove the RepositoryMirror (reposmith then forgets it)`,
  );
}

/**
 * ShowRepository before anything is written, failing with repositoryGoneError when CodeArts says
 * (a CH.* 404) that the repository is not there. A 401 CH.080401 keeps its own message (what to grant).
 */
export async function requireRepository(client: CodeArtsClient, repositoryId: number): Promise<void> {
  try {
    await client.showRepository(repositoryId);
  } catch (e) {
    if (isCodeArtsNotFound(e)) throw repositoryGoneError(repositoryId, e);
    throw e;
  }
}
