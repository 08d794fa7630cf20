// Public API: the constructs users instantiate. Only this layer depends on cdktf.
export { CloudsmithConnection, type CloudsmithConnectionProps } from "./constructs/connection";
export {
  EntitlementToken,
  type EntitlementTokenProps,
  type EntitlementTokenLimits,
  type BandwidthUnit,
  type ScheduledResetPeriod,
} from "./constructs/entitlement-token";
export { EntitlementSync, type EntitlementSyncProps } from "./constructs/entitlement-sync";
export {
  PackageCopy,
  type PackageCopyProps,
  type PackageSelector,
  type PackageFormat,
  type WaitForSyncOptions,
} from "./constructs/package-copy";
export { PackageMirror, type PackageMirrorProps } from "./constructs/package-mirror";
export { CodeArtsConnection, type CodeArtsConnectionProps } from "./constructs/codearts-connection";
export {
  RepositoryMirror,
  type RepositoryMirrorProps,
  type RepositoryMirrorWaitOptions,
} from "./constructs/repository-mirror";
export { Secret } from "./constructs/secret";
export { ValidationError } from "./constructs/errors";
export type { DriftPolicy, DeletionPolicy, LifecycleProps } from "./resources/lifecycle";
