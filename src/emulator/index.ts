/**
 * Local HTTP emulator of the APIs reposmith talks to (Cloudsmith entitlements so far), for the
 * demo, tests and benchmark. Imports nothing from the rest of the project by design.
 */
export { startEmulator, buildServer, createContext } from "./server";
export type { ApiFamily, EmulatorContext } from "./context";
export type { FaultRuleInput } from "./faults";
export type { RateLimitConfig } from "./ratelimit";
export type { CloudsmithSettings, Emulator, EmulatorOptions, EmulatorStats, SeedDocument, SeedRepository, SeedToken } from "./types";
export { DEFAULT_CLOUDSMITH_SETTINGS } from "./cloudsmith/settings";
export { MASKED_TOKEN } from "./cloudsmith/token-model";
