/**
 * Local HTTP emulator of the APIs reposmith talks to: Cloudsmith's entitlement tokens, packages
 * (copy, sync status, search), user and rate-limit routes, and Huawei Cloud's CodeArts Repo mirror
 * routes with the IAM token route; stateful, with fault injection. For the demo, tests and
 * benchmark. Imports nothing from the rest of the project by design.
 */
export { startEmulator } from "./server";
export type { Emulator, EmulatorOptions, SeedDocument } from "./types";
