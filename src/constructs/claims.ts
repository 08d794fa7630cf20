import type { IConstruct } from "constructs";

/**
 * Remote identities claimed by the constructs of one app (by its root), in declaration order. Two
 * constructs that manage one remote object fight over it (each apply undoes the other, and removing
 * one deletes the object under the other), so the second one fails synth. Filled as constructs are
 * built, so checking one is a lookup, not a walk of the whole app.
 */
const claims = new WeakMap<IConstruct, Map<string, IConstruct[]>>();

/**
 * Registers `owner` as managing `identity` (any string that is equal exactly when the remote object
 * is the same, e.g. `["PackageCopy", apiUrl, owner, destination, "npm/left-pad@1.3.0"]` as JSON) for
 * the whole app; every later claimant fails synth with `message(first claimant)`.
 */
export function claimOnce<T extends IConstruct>(owner: T, identity: string, message: (first: T) => string): void {
  const root = owner.node.root;
  const byIdentity = claims.get(root) ?? new Map<string, IConstruct[]>();
  claims.set(root, byIdentity);
  const same = byIdentity.get(identity) ?? [];
  byIdentity.set(identity, same);
  same.push(owner);
  owner.node.addValidation({ validate: () => (same[0] === owner ? [] : [message(same[0] as T)]) });
}
