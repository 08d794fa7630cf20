/**
 * User-facing text the resources layer writes in more than one place, named as crossplane-runtime
 * names its error strings (errXxx constants), so one wording is changed in one place. Text used
 * once stays where it is used. The engine builds on these where it says the same thing.
 */

/** How plans say an object was found without state when its kind does not say (Presentation.foundBy). */
export const FOUND_BY_IDENTITY = "found by its identity";

/** How plans headline objects an update deletes when the kind does not say (Presentation.describeDeletes). */
export const deletesObjects = (count: number): string => `will delete ${count} object(s) it manages`;

/**
 * An object that already exists and that `key` does not manage (a token of the same name), with how to take it over.
 */
export const notManaged = (what: string, id: string, key: string): string =>
  `${what} already exists (${id}) and is not managed by ${key}; take it over with: reposmith import ${key} ${id}, ` +
  `or choose another name`;

/** Why a rotation or a usage reset is due: the triggers whose values changed since the last apply. */
export const triggersChanged = (which: "rotation" | "reset", names: string[]): string =>
  `${which} trigger ${names.map((k) => `"${k}"`).join(", ")} changed`;

/** A package to copy again (republish, recopy) whose source is gone. */
export const sourceGone = (pkg: string, repository: string): string =>
  `${pkg} is no longer in ${repository}: cannot copy it again`;

/** Schema message of the package kinds: a copy into the repository it comes from. */
export const DESTINATION_IS_SOURCE = "destination must differ from source.repository";
