/**
 * The controller's wording that more than one place writes (text used once stays where it is used).
 */

/**
 * What happens to a resource removed from the app whose deletionPolicy is "retain": the engine's
 * wording (src/engine/messages.ts), which `reposmith plan` and the Terraform prune hook print too,
 * so the three ways to apply say one thing.
 */
export { RETAINED } from "../engine/messages";

/** A log line about a resource whose construct is gone from the app; `what` says what is done about it. */
export const noLongerDeclared = (key: string, what: string): string => `${key} is no longer declared: ${what}`;

/** A log line about an out-of-band change; `what` says what the drift policy does about it. */
export const driftFound = (label: string, what: string): string => `drift found on ${label}: ${what}`;
