/** Test helpers: start an emulator and call it over real HTTP. */
import { Emulator, EmulatorOptions, SeedDocument, startEmulator } from "../../src/emulator";
import { adminChecked, adminRequest, type AdminAnswer } from "../helpers/emulator-admin";

export const API_KEY = "test-key";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is instead of JSON-encoding `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
  /** API key to send; null sends none. @default API_KEY */
  key?: string | null;
}

export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
  const key = opts.key === undefined ? API_KEY : opts.key;
  if (key !== null) headers["X-Api-Key"] = key;
  let body: string | undefined = opts.rawBody;
  if (body === undefined && opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["Content-Type"] ??= "application/json";
  // Redirects are answers to look at (a path without its trailing slash), not to follow.
  const res = await fetch(`${base}${path}`, { method, headers, body, redirect: "manual" });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    /* keep the raw text */
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** A started emulator plus a `req` bound to `<url>/v1`, and admin calls bound to `<url>/_emulator`. */
export interface Harness {
  emu: Emulator;
  req: <T = any>(method: string, path: string, opts?: RequestOptions) => Promise<ApiResponse<T>>;
  /** An admin call that must succeed: a non-2xx answer fails the test. */
  admin: (method: string, path: string, body?: unknown) => Promise<AdminAnswer>;
  /** An admin call whatever its answer, for tests of an admin route's refusals. */
  adminRaw: (method: string, path: string, body?: unknown) => Promise<AdminAnswer>;
}

export const DEFAULT_SEED: SeedDocument = {
  repositories: [
    { owner: "acme", slug: "prod" },
    { owner: "acme", slug: "staging" },
    { owner: "other", slug: "prod" },
  ],
};

export async function startHarness(opts: Partial<EmulatorOptions> = {}): Promise<Harness> {
  const emu = await startEmulator({ port: 0, apiKey: API_KEY, seed: DEFAULT_SEED, ...opts });
  return {
    emu,
    req: (method, path, o) => call(`${emu.url}/v1`, method, path, o),
    admin: (method, path, body) => adminChecked(emu.url, method, path, body),
    adminRaw: (method, path, body) => adminRequest(emu.url, method, path, body),
  };
}
