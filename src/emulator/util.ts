/**
 * Small helpers shared by every emulated API family: random identifiers, timestamps, query parsing.
 * Nothing here knows about a particular API.
 */
import { randomInt } from "node:crypto";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random string of `length` characters from `[A-Za-z0-9]` (crypto-random). */
export function randomAlnum(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

let lastMicros = 0;

/** Current time in microseconds since the epoch, strictly increasing between calls. */
function nowMicros(): number {
  let micros = Date.now() * 1000 + Math.floor((performance.now() % 1) * 1000);
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  return micros;
}

/** Formats epoch microseconds as Cloudsmith does: `2026-11-26T04:28:10.123456Z`. */
export function formatMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const extra = String(micros - ms * 1000).padStart(3, "0");
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, `.$1${extra}Z`);
}

/** `now` as an ISO-8601 UTC timestamp with microseconds. */
export function isoNow(): string {
  return formatMicros(nowMicros());
}

/** Promise that resolves after `ms` milliseconds (immediately for 0 or less). */
export function delay(ms: number): Promise<void> {
  if (!(ms > 0)) return Promise.resolve();
  // Unref'd: a reply held back by a fault (say 10 s) must not keep a process alive once the
  // server is closed (the listening socket keeps a running emulator alive anyway).
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** One query parameter as a string (the last one when repeated), or undefined. */
export function queryParam(query: unknown, name: string): string | undefined {
  if (!query || typeof query !== "object") return undefined;
  const value = (query as Record<string, unknown>)[name];
  if (Array.isArray(value)) return value.length ? String(value[value.length - 1]) : undefined;
  return value === undefined ? undefined : String(value);
}

/** Django REST style boolean query parsing: true/1/yes/on are true, anything else false. */
export function queryBool(query: unknown, name: string): boolean {
  const value = queryParam(query, name);
  return value !== undefined && ["true", "1", "yes", "on"].includes(value.toLowerCase());
}

/** The type name Python would report for a JSON value (used in Django-style messages). */
export function pythonTypeName(value: unknown): string {
  if (value === null) return "NoneType";
  if (Array.isArray(value)) return "list";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return "dict";
}

/** True for a plain JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
