/**
 * What a file parsed to, kept for as long as its bytes stay the same: a long-lived process (the
 * controller) reads the same synthesized stacks and state over and over, and comparing bytes costs
 * far less than decoding, parsing and validating them again (figures in docs/performance.md).
 * Keyed by content, not by modification time, so a file rewritten within the clock's resolution,
 * or replaced by a copy, is never taken for the old one.
 *
 * The comparison reads the file a megabyte at a time into one reused buffer: a new buffer per read
 * would pay for memory touched for the first time, which costs more than the comparison.
 * One entry per file name, replaced when the file changes.
 */
import { closeSync, openSync, readFileSync, readSync, fstatSync, promises as fsp } from "node:fs";

const CHUNK = 1024 * 1024;
/** The comparison's buffer, when no comparison holds it (two running at once each need one). */
let idle: Buffer | undefined;
const takeBuffer = (): Buffer => {
  const buf = idle ?? Buffer.allocUnsafe(CHUNK);
  idle = undefined;
  return buf;
};

/** Whether `chunk` (read at offset `at` of the file) matches `bytes` there. */
const matches = (bytes: Buffer, chunk: Buffer, at: number): boolean =>
  at + chunk.length <= bytes.length && chunk.equals(bytes.subarray(at, at + chunk.length));

/** Whether the file holds exactly `bytes`, read a chunk at a time into `buf` by `readAt` (bytes read; 0 at the end). */
async function sameAsync(bytes: Buffer, buf: Buffer, readAt: (at: number) => Promise<number>): Promise<boolean> {
  for (let at = 0; ;) {
    const n = await readAt(at);
    if (n === 0) return at === bytes.length;
    if (!matches(bytes, buf.subarray(0, n), at)) return false;
    at += n;
  }
}

function sameSync(bytes: Buffer, buf: Buffer, readAt: (at: number) => number): boolean {
  for (let at = 0; ;) {
    const n = readAt(at);
    if (n === 0) return at === bytes.length;
    if (!matches(bytes, buf.subarray(0, n), at)) return false;
    at += n;
  }
}

export class ParsedFiles<T> {
  private readonly entries = new Map<string, { bytes: Buffer; value: T }>();

  /**
   * What `file` parses to, from the last parse when its bytes are the same. The file is compared
   * and read through one handle: the bytes compared are the bytes parsed, even if the file is
   * replaced meanwhile. Errors reading it (ENOENT...) are thrown as they are.
   */
  async read(file: string, parse: (bytes: Buffer) => T): Promise<T> {
    const fh = await fsp.open(file, "r");
    try {
      const known = this.entries.get(file);
      if (known && (await fh.stat()).size === known.bytes.length) {
        const buf = takeBuffer();
        try {
          if (await sameAsync(known.bytes, buf, async (at) => (await fh.read(buf, 0, CHUNK, at)).bytesRead))
            return known.value;
        } finally {
          idle = buf;
        }
      }
      return this.parsed(file, await fh.readFile(), parse);
    } finally {
      await fh.close();
    }
  }

  /** read(), synchronously. */
  readSync(file: string, parse: (bytes: Buffer) => T): T {
    const fd = openSync(file, "r");
    try {
      const known = this.entries.get(file);
      if (known && fstatSync(fd).size === known.bytes.length) {
        const buf = takeBuffer();
        try {
          if (sameSync(known.bytes, buf, (at) => readSync(fd, buf, 0, CHUNK, at))) return known.value;
        } finally {
          idle = buf;
        }
      }
      return this.parsed(file, readFileSync(fd), parse);
    } finally {
      closeSync(fd);
    }
  }

  private parsed(file: string, bytes: Buffer, parse: (bytes: Buffer) => T): T {
    this.entries.delete(file);
    const value = parse(bytes);
    this.entries.set(file, { bytes, value });
    return value;
  }
}
