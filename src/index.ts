// Public API: the constructs users instantiate. Only this layer depends on cdktf.
export { CloudsmithConnection, type CloudsmithConnectionProps } from "./constructs/connection";
export {
  EntitlementToken,
  type EntitlementTokenProps,
  type EntitlementTokenLimits,
  type BandwidthUnit,
  type ScheduledResetPeriod,
} from "./constructs/entitlement-token";
export { Secret } from "./constructs/secret";
export { ValidationError } from "./constructs/errors";
