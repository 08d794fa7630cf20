/**
 * Response bodies given what was kept of them last time, when they come back byte for byte.
 *
 * A plan reads every repository's token list, and a controller plans every minute: most pages come
 * back exactly as they were. For a GET that opts in (`RequestSpec.reuse`) the transport keeps the
 * bytes it parsed and what the caller kept of the parse (its projection: for a token list, only the
 * fields state keeps), by URL. An answer with the same bytes is given the same value without
 * decoding, parsing, checking or projecting it again (what that saves: docs/performance.md).
 * Only the projection is kept in memory, not the parsed page (a third of the objects and strings).
 *
 * Keyed by content, as the state file's parse is (util/parsed-files.ts): the request is still sent
 * and its whole answer read, and any difference in the bytes (a token edited by hand, a download
 * counted, a page that moved) is parsed afresh. So nothing that changed is missed, and a value is
 * only ever given for the very bytes it was parsed from, whoever asked (the credentials are not part
 * of the key: equal bytes parse to equal values).
 *
 * The values are shared between callers and between runs, so they are frozen to the last nested
 * object: a caller that tried to change one would throw rather than change what the next run sees.
 * Bounded by the bytes kept (least recently used first out); the parsed values take about as much again.
 */
import { LRUCache } from "lru-cache";

/** The response bytes kept, at most: the token pages of a few tens of thousands of tokens. */
export const MAX_REUSED_BYTES = 64 * 1024 * 1024;

interface Entry {
  bytes: Buffer;
  /**
   * Which projection of the parse the value is (RequestSpec.reuse.key): another one of the same URL is not this one.
   */
  key: unknown;
  value: unknown;
}

/** Freezes a value made from parsed JSON and everything in it (no cycles), also inside objects already frozen. */
function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
  else for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
  Object.freeze(value);
}

export class ReusedBodies {
  private readonly entries: LRUCache<string, Entry>;

  constructor(maxBytes = MAX_REUSED_BYTES) {
    this.entries = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      sizeCalculation: (e) => Math.max(1, e.bytes.length),
    });
  }

  /** The bytes `url` answered when `key`'s value was kept of them, to compare the next answer with. */
  bytesOf(url: string, key: unknown): Buffer | undefined {
    const e = this.entries.peek(url);
    return e && e.key === key ? e.bytes : undefined;
  }

  /**
   * What `key`'s projection kept of `bytes`, answered for `url`,
   * last time; undefined when the bytes differ or are not known.
   */
  get(url: string, bytes: Buffer, key: unknown): { value: unknown } | undefined {
    const e = this.entries.get(url);
    if (!e || e.key !== key) return undefined;
    return e.bytes === bytes || e.bytes.equals(bytes) ? { value: e.value } : undefined;
  }

  /**
   * Remembers what `key`'s projection kept of `bytes` (answered for `url`), freezing it, and returns
   * it. The bytes are kept as they are: nothing writes into a response body once it is parsed.
   * Bodies larger than the bound are not kept.
   */
  set<T>(url: string, bytes: Buffer, key: unknown, value: T): T {
    deepFreeze(value);
    if (bytes.length <= this.entries.maxSize) this.entries.set(url, { bytes, key, value });
    return value;
  }

  /** Forgets everything kept: the next answer of every URL is parsed afresh. */
  clear(): void {
    this.entries.clear();
  }

  /** How many bodies and bytes are kept. */
  get size(): { bodies: number; bytes: number } {
    return { bodies: this.entries.size, bytes: this.entries.calculatedSize };
  }
}

/** The process's one set: content-addressed, so every client and run may share it. */
export const reusedBodies = new ReusedBodies();
