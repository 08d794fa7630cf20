import { createHash } from "node:crypto";
import { existsSync, readFileSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";

/**
 * A fingerprint of a synth output directory: sha256 over manifest.json and every stack file it
 * names. Equal fingerprints = the same desired state, so our own re-synth (same content) and
 * editors touching files do not start needless passes.
 */
export function fingerprint(outdir: string): string {
  const h = createHash("sha256");
  const manifestFile = path.join(outdir, "manifest.json");
  if (!existsSync(manifestFile)) return "";
  try {
    const manifest = readFileSync(manifestFile, "utf8");
    h.update(manifest);
    const stacks =
      (JSON.parse(manifest) as { stacks?: Record<string, { synthesizedStackPath?: string }> }).stacks ?? {};
    for (const name of Object.keys(stacks).sort()) {
      const file = stacks[name].synthesizedStackPath;
      h.update(`\0${name}\0`);
      if (file && existsSync(path.join(outdir, file))) h.update(readFileSync(path.join(outdir, file)));
    }
  } catch {
    h.update(`unreadable ${Date.now()}`); // mid-write: differs from everything, so it is read again
  }
  return h.digest("hex");
}

/** Stack names listed by the output directory's manifest.json. */
export function manifestStacks(outdir: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
    stacks?: Record<string, unknown>;
  };
  return Object.keys(manifest.stacks ?? {});
}

/**
 * Calls `onChange` (debounced) when files under the output directory change, e.g. after CI ran
 * `git pull && cdktf synth`. The directory may not exist yet: ensure() retries the watch.
 */
export class OutdirWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly outdir: string,
    private readonly onChange: () => void,
    private readonly debounceMs = 300,
  ) {}

  /** Starts watching if not already; returns false when the directory cannot be watched (yet). */
  ensure(): boolean {
    if (this.watcher) return true;
    // A directory replaced as a whole (rm -rf) stops this watch; the interval still notices, and
    // the next ensure() watches the new one.
    try {
      this.watcher = watch(this.outdir, { recursive: true }, () => this.fire());
      this.watcher.on("error", () => this.reset());
      this.watcher.unref();
      return true;
    } catch {
      return false;
    }
  }

  private fire(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onChange();
    }, this.debounceMs);
    this.timer.unref();
  }

  private reset(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.reset();
  }
}
