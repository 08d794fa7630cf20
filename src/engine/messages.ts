/**
 * User-facing text the engine writes in more than one place, named as crossplane-runtime names its
 * error strings (errXxx constants), so one wording is changed in one place. Text used once stays
 * where it is used; what the resources layer also says comes from src/resources/messages.ts.
 */
import { notManaged } from "../resources/messages";

export { deletesObjects, FOUND_BY_IDENTITY } from "../resources/messages";

/** The command that keeps an object (and a token's secret) under another key. */
export const stateMv = (from: string, to: string): string => `reposmith state mv ${from} ${to}`;

/** A key state does not hold. */
export const notInState = (key: string): string => `${key} is not in state (see "reposmith state list")`;

/** Why a delete only forgets: the construct's explicit deletionPolicy "retain" (docs/architecture.md#lifecycle). */
export const RETAINED = 'retained (deletionPolicy "retain"): the remote object is kept and no longer managed';

/**
 * A removed resource whose object another key manages: only its
 * entry goes. `ownerStack` when that key is in another stack.
 */
export const sameObjectKept = (owner: string, id: string, ownerStack?: string): string =>
  `not deleted: ${owner}${ownerStack ? ` (stack "${ownerStack}")` : ""} manages the same object (${id}); ` +
  `only this entry is removed from state`;

/**
 * A create that waits for the deletion of the object it collides with (`freeing`, removed from
 * `where`), and how to keep that object under `key` instead when it is the same thing renamed or moved.
 */
export const deletedFirst = (
  what: string,
  freeing: string,
  where: string,
  why: "if this is a rename" | "if it moved here",
  key: string,
): string =>
  `${what} is deleted first (${freeing}, removed from ${where}); ${why}, keep it and its secret instead: ` +
  `${stateMv(freeing, key)}`;

/** A create that collides with an object nothing frees and nothing in state holds. */
export const createWillFail = (what: string, id: string, key: string): string =>
  `will fail: ${notManaged(what, id, key)}`;

/** A stack name a state store refuses (it becomes a file name or a lock key). */
export const invalidStackName = (stack: string): string => `invalid stack name "${stack}"`;
