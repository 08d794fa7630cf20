/**
 * Local HTTP emulator of the APIs reposmith talks to (Cloudsmith entitlements so far), for the
 * demo, tests and benchmark. Imports nothing from the rest of the project by design.
 */
export { startEmulator, buildServer, createContext } from "./server";
export type { ApiFamily, EmulatorContext } from "./context";
export type { FaultRuleInput } from "./faults";
export type { RateLimitConfig } from "./ratelimit";
export type { Emulator, EmulatorOptions, EmulatorStats, SeedDocument, SeedRepository, SeedToken } from "./types";
export { MASKED_TOKEN } from "./cloudsmith/token-model";
