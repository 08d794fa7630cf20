import { existsSync, promises as fs } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import lockfile from "proper-lockfile";
import writeFileAtomic from "write-file-atomic";
import { encodeState } from "./encoding";
import {
  checkStateVersion,
  parseStackState,
  StateCorruptError,
  StateLockedError,
  emptyState,
  type LockHolder,
  type StackState,
  type StateLock,
  type StateStore,
} from "./types";
import { invalidStackName } from "../messages";
import { ParsedFiles } from "../../util/parsed-files";
import { isAlive } from "../../util/process-alive";

const MODE = 0o600;

/**
 * `.reposmith/state/<stack>.json`, written atomically (temp file + rename) with mode 0600, one
 * resource per line (see encoding.ts).
 * The version it replaces is kept as `<stack>.json.backup`; a lock directory `<stack>.json.lock`
 * (proper-lockfile: mtime-refreshed, so a dead holder's lock goes stale) serialises writers.
 */
export class FileStateStore implements StateStore {
  constructor(readonly dir: string) {}

  get location(): string {
    return this.dir;
  }

  private file(stack: string): string {
    if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(stack)) throw new Error(invalidStackName(stack));
    return path.join(this.dir, `${stack}.json`);
  }

  async read(stack: string): Promise<StackState> {
    const file = this.file(stack);
    let read: Decoded;
    try {
      read = await parsedStates.read(path.resolve(file), (bytes) => decode(bytes, file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyState(stack);
      throw err;
    }
    // Only for a corrupt state, the backup is offered, and only when it would help: it must itself
    // be a readable state of this stack (checked then, not on every read: it is as large as the state).
    const corrupt = async (reason: string) =>
      new StateCorruptError(
        file,
        reason,
        (await this.readableBackup(`${file}.backup`, stack)) ? `${file}.backup` : undefined,
      );
    if ("problem" in read) throw await corrupt(read.problem);
    if (read.state.stack !== stack) throw await corrupt(`it belongs to stack "${read.state.stack}"`);
    // The entries are shared with every read of the same bytes (and frozen, see decode); the rest is the caller's.
    return { ...read.state, resources: { ...read.state.resources } };
  }

  private async readableBackup(file: string, stack: string): Promise<boolean> {
    if (!existsSync(file)) return false;
    try {
      const r = parseStackState(JSON.parse(await fs.readFile(file, "utf8")));
      return r.success && r.data.stack === stack;
    } catch {
      return false;
    }
  }

  async write(state: StackState): Promise<StackState> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.file(state.stack);
    const next: StackState = { ...state, serial: state.serial + 1 };
    if (existsSync(file)) await fs.copyFile(file, `${file}.backup`).then(() => fs.chmod(`${file}.backup`, MODE));
    await writeFileAtomic(file, encodeState(next), { mode: MODE });
    return next;
  }

  async lock(stack: string, operation: string): Promise<StateLock> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.file(stack);
    const info = `${file}.lock.json`;
    const acquire = () => lockfile.lock(file, { realpath: false, stale: 15_000, update: 5_000, retries: 0 });
    let release: () => Promise<void>;
    try {
      release = await acquire();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ELOCKED") throw err;
      const holder = await readHolder(info);
      // A holder on this machine whose process is gone (kill -9, power loss of a CI job) cannot
      // release; its lock is taken over at once instead of after the 15 s staleness window.
      if (!holder || holder.host !== hostname() || isAlive(holder.pid))
        throw new StateLockedError(stack, holder, `${file}.lock`);
      await fs.rm(`${file}.lock`, { recursive: true, force: true });
      try {
        release = await acquire();
      } catch {
        throw new StateLockedError(stack, await readHolder(info), `${file}.lock`);
      }
    }
    const holder: LockHolder = { pid: process.pid, host: hostname(), operation, since: new Date().toISOString() };
    await writeFileAtomic(info, JSON.stringify(holder), { mode: MODE });
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        await fs.rm(info, { force: true });
        await release().catch(() => undefined);
      },
    };
  }

  async stacks(): Promise<string[]> {
    try {
      return (await fs.readdir(this.dir))
        .filter((f) => f.endsWith(".json") && !f.endsWith(".lock.json"))
        .map((f) => f.slice(0, -5));
    } catch {
      return [];
    }
  }

  async close(): Promise<void> {}
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, "utf8")) as LockHolder;
  } catch {
    return undefined;
  }
}

/**
 * State files as last parsed, by absolute path: a plan that reads a state unchanged since the last
 * read (the controller's every pass) does not decode, parse and validate it again.
 */
type Decoded = { state: StackState } | { problem: string };
const parsedStates = new ParsedFiles<Decoded>();

/** A state file's bytes as a validated state, or what is wrong with them. */
function decode(bytes: Buffer, file: string): Decoded {
  let parsed: unknown;
  try {
    // The bytes decoded at once: readFile's own "utf8" decodes chunk by chunk and joins the pieces,
    // a second copy of the whole text.
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    // JSON.parse quotes the text it choked on: keep the message to one printable line.
    const why = (err as Error).message.replace(/[^\x20-\x7e]+/g, "?").slice(0, 160);
    return { problem: `not valid JSON: ${why}` };
  }
  checkStateVersion(parsed, `file ${file}`);
  const result = parseStackState(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { problem: `${issue.path.join(".") || "document"}: ${issue.message}` };
  }
  const state = result.data as StackState;
  // Entries are kept for every later read of the same bytes: one changed in place would change
  // them all, so that throws (ResourceState's fields are read-only to the compiler as well).
  for (const key in state.resources) Object.freeze(state.resources[key]);
  return { state };
}
