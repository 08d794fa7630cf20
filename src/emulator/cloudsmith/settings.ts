/**
 * Cloudsmith behaviours the public documentation leaves open, as named, switchable settings: tests
 * run both readings, and `reposmith doctor` may set them to what a live account shows.
 *   GET  /_emulator/cloudsmith/settings   the settings
 *   POST /_emulator/cloudsmith/settings   a partial object merged into them (null restores the defaults) → the settings
 * Defaults keep the emulator as immediate and as generous as before these settings existed.
 */
import { FieldErrors, addFieldError, invalidInput } from "../errors";
import { isPlainObject } from "../util";

export interface CloudsmithSettings {
  /**
   * Read-after-write lag of a package copy: `packages_status` and `packages_read` of a package
   * copied less than this many milliseconds ago answer 404, as from a replica that has not seen it
   * yet. terraform-provider-cloudsmith waits out such reads after its writes ("cross-region
   * database replication", `waiter` in
   * https://github.com/cloudsmith-io/terraform-provider-cloudsmith/blob/344b5c3694ad54ad2b0da8f1c55401df6ec37c21/cloudsmith/utils.go). @default 0
   */
  copyNotFoundMs: number;
  /**
   * Read-after-write lag of a token create: `entitlements_read` and the token's own routes
   * (update, delete, refresh, enable, disable, reset, toggle-private-broadcasts) answer 404 for
   * this many milliseconds after the create; the list shows it at once. @default 0
   */
  tokenReadLagMs: number;
  /** An enable or disable shows in reads and lists only this many milliseconds later. @default 0 */
  isActiveLagMs: number;
  /** `entitlements_sync` gives each copy its source token's `metadata` (else none). @default true */
  syncCopiesMetadata: boolean;
  /** `entitlements_sync` gives each copy its source token's `default` flag (else false). @default true */
  syncCopiesDefault: boolean;
  /** `entitlements_sync` gives each copy its source token's secret value (else a new one). @default true */
  syncCopiesToken: boolean;
}

export const DEFAULT_CLOUDSMITH_SETTINGS: Readonly<CloudsmithSettings> = Object.freeze({
  copyNotFoundMs: 0,
  tokenReadLagMs: 0,
  isActiveLagMs: 0,
  syncCopiesMetadata: true,
  syncCopiesDefault: true,
  syncCopiesToken: true,
});

const DURATIONS = new Set<keyof CloudsmithSettings>(["copyNotFoundMs", "tokenReadLagMs", "isActiveLagMs"]);
const SWITCHES = new Set<keyof CloudsmithSettings>(["syncCopiesMetadata", "syncCopiesDefault", "syncCopiesToken"]);

/** `current` with `input` merged in (null = the defaults); a 400 naming each bad or unknown key. */
export function mergeSettings(current: CloudsmithSettings, input: unknown): CloudsmithSettings {
  if (input === null || input === undefined) return { ...DEFAULT_CLOUDSMITH_SETTINGS };
  if (!isPlainObject(input)) throw invalidInput({ non_field_errors: ["Expected an object of settings."] });
  const errors: FieldErrors = {};
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(input)) {
    const key = k as keyof CloudsmithSettings;
    if (DURATIONS.has(key)) {
      if (typeof v === "number" && Number.isFinite(v) && v >= 0) next[key] = v;
      else addFieldError(errors, k, "Must be a number >= 0 (milliseconds).");
    } else if (SWITCHES.has(key)) {
      if (typeof v === "boolean") next[key] = v;
      else addFieldError(errors, k, "Must be a boolean.");
    } else addFieldError(errors, k, "Unknown setting.");
  }
  if (Object.keys(errors).length) throw invalidInput(errors);
  return next as unknown as CloudsmithSettings;
}
