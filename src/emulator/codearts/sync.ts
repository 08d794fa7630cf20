/**
 * Asynchronous mirror synchronization, computed lazily from the clock on every read (no timers):
 * a start moves `update_status` "scheduled" → "started" → "finished" | "failed" after the configured
 * delays, then updates `last_update_at` and either `last_successful_update_at` or
 * `number_of_failures` + `last_error`. The outcome is decided when the sync ends, from the source
 * as it is then (so a source made unreachable mid-sync fails it).
 */
import { formatMicros } from "../util";
import type { CaEndpoint, CaMirror, CaSettings, CaSource } from "./model";

export interface SyncWorld {
  settings: CaSettings;
  source(url: string): CaSource | undefined;
  endpoint(uuid: string): CaEndpoint | undefined;
}

const stamp = (ms: number) => formatMicros(ms * 1000);

/** Brings a mirror's sync state up to `now`. */
export function advance(m: CaMirror, world: SyncWorld, now = Date.now()): void {
  const job = m.job;
  if (!job) return;
  const startedAt = job.startedAt + world.settings.queueMs;
  const endsAt = startedAt + world.settings.syncMs;
  if (now < startedAt) {
    m.update_status = "scheduled";
    return;
  }
  if (now < endsAt) {
    m.update_status = "started";
    return;
  }
  const error = outcome(m, world);
  m.job = undefined;
  m.last_update_at = stamp(endsAt);
  if (error === undefined) {
    m.update_status = "finished";
    m.last_successful_update_at = stamp(endsAt);
    m.number_of_failures = 0;
    m.last_error = null;
  } else {
    m.update_status = "failed";
    m.number_of_failures++;
    m.last_error = error;
  }
}

/** Why the sync fails, or undefined when it succeeds. Messages read like git's. */
function outcome(m: CaMirror, world: SyncWorld): string | undefined {
  const job = m.job!;
  const source = world.source(m.url);
  if (!source) return `fatal: repository '${m.url}' not found`;
  if (source.unreachable) {
    const host = hostOf(m.url);
    return (
      `fatal: unable to access '${m.url}': Failed to connect to ${host} port 443 after 30000 ms: ` +
      `Connection timed out`
    );
  }
  if (source.username === undefined && source.password === undefined) return undefined;
  let user = job.username;
  let pass = job.password;
  const uuid = job.endpointUuid || m.endpoint_uuid;
  if (user === undefined && pass === undefined && uuid) {
    const ep = world.endpoint(uuid);
    if (!ep) return `fatal: service endpoint ${uuid} not found`;
    [user, pass] = [ep.username, ep.password];
  }
  if (user === source.username && pass === source.password) return undefined;
  return `remote: HTTP Basic: Access denied\nfatal: Authentication failed for '${m.url}'`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** Is `s` strict base64 (what the start route demands of username and password)? */
export function isBase64(s: string): boolean {
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

export function decodeBase64(s: string): string {
  return Buffer.from(s, "base64").toString("utf8");
}
