import { createInterface } from "node:readline/promises";
import { PROGRESS_EVERY_MS, type ApplyEvent, type ApplyResult, type LockWait } from "../engine";
import { formatDuration } from "../util/duration";
import type { ProgressUpdate } from "../resources/types";
import { CliError } from "./errors";
import { escapeControl, escapeControlKeepingLines } from "../util/escape";
import { colors } from "./color";

export function printNotices(notices: string[]): void {
  for (const n of notices)
    process.stderr.write(`${colors(process.stderr).yellow("Warning:")} ${escapeControlKeepingLines(n)}\n`);
}

const VERB: Record<string, [string, string]> = {
  create: ["Creating...", "Creation complete"],
  update: ["Modifying...", "Modifications complete"],
  replace: ["Replacing...", "Replacement complete"],
  delete: ["Destroying...", "Destruction complete"],
  adopt: ["Adopting...", "Adopted into state"],
  forget: ["Forgetting...", "Removed from state"],
};

/** Terraform-like progress lines, one per step (quiet and greppable; fine on a TTY and in CI logs). */
export function printEvent(e: ApplyEvent, out: NodeJS.WriteStream = process.stdout): void {
  const [start, done] = VERB[e.action] ?? [e.action, e.action];
  if (e.phase === "start") out.write(`${e.key}: ${start}\n`);
  if (e.phase === "done") out.write(`${e.key}: ${done}${e.id ? ` [id=${escapeControl(e.id)}]` : ""}\n`);
  // The message itself is printed once, with the others, when the run ends (printOutcome).
  if (e.phase === "error") out.write(`${e.key}: ${colors(out).red("failed")} (error below)\n`);
}

/** Asks Terraform's question on a TTY; refuses to guess when nobody can answer. */
export async function confirmOrAuto(autoApprove: boolean | undefined, question: string): Promise<boolean> {
  if (autoApprove) return true;
  if (!process.stdin.isTTY)
    throw new CliError("no terminal to ask for confirmation: re-run with --auto-approve to apply without asking");
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    // Ctrl-C at the prompt (a keypress on a terminal in raw mode, seen by readline) is a "no".
    const answer = await new Promise<string>((resolve) => {
      rl.once("SIGINT", () => resolve(""));
      rl.question(`\n${question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `).then(resolve, () =>
        resolve(""),
      );
    });
    return answer.trim() === "yes";
  } finally {
    rl.close();
  }
}

/**
 * What an apply or destroy did, counted as its plan counts (a mirror's prunes are destroys, a rotation its own count).
 */
export function outcomeCounts(results: ApplyResult[]) {
  const count = (a: string) => results.reduce((n, r) => n + r.done.filter((d) => d.action === a).length, 0);
  const sum = (f: (d: ApplyResult["done"][number]) => number) =>
    results.reduce((n, r) => n + r.done.reduce((m, d) => m + f(d), 0), 0);
  return {
    add: count("create") + count("replace"),
    // An update that only prunes or rotates changes nothing else.
    change: sum((d) => (d.action === "update" && d.changed !== false ? 1 : 0)),
    destroy: count("delete") + count("replace") + sum((d) => d.deleted ?? 0),
    adopt: count("adopt"),
    rotate: sum((d) => (d.rotated ? 1 : 0)),
    forget: count("forget"),
  };
}

/**
 * `apply --json` and `destroy --json`: plan's envelope (format_version, summary, changes), the
 * summary counting what was done and each change saying how it ended. Never secrets: errors are
 * the API's scrubbed messages.
 */
export function applyJson(results: ApplyResult[], applied: boolean, interrupted = false): unknown {
  const changes = results.flatMap((r) => [
    ...r.done.map((d) => ({
      stack: r.stack,
      key: d.key,
      action: d.action,
      id: r.state.resources[d.key]?.id ?? null,
      status: "done",
    })),
    ...r.failed.map((f) => ({
      stack: r.stack,
      key: f.key,
      action: f.action,
      id: r.state.resources[f.key]?.id ?? null,
      status: "failed",
      error: (f.error as Error)?.message ?? String(f.error),
    })),
    ...r.skipped.map((key) => ({ stack: r.stack, key, id: r.state.resources[key]?.id ?? null, status: "skipped" })),
  ]);
  return {
    format_version: "1",
    applied,
    ...(interrupted ? { interrupted } : {}),
    summary: outcomeCounts(results),
    changes,
  };
}

/** Totals and failures after apply/destroy; returns the exit code. */
export function printOutcome(results: ApplyResult[], destroy: boolean, interrupted = false): number {
  const failed = results.flatMap((r) => r.failed);
  const {
    add: added,
    change: changed,
    destroy: destroyed,
    adopt: adopted,
    forget: forgotten,
    rotate: rotated,
  } = outcomeCounts(results);
  const more =
    (rotated ? `, ${rotated} rotated` : "") +
    (adopted && !destroy ? `, ${adopted} adopted` : "") +
    (forgotten ? `, ${forgotten} forgotten` : "");
  const skipped = results.reduce((n, r) => n + r.skipped.length, 0);
  for (const f of failed)
    process.stderr.write(
      `${colors(process.stderr).red("Error:")} ${f.key}: ` +
        `${escapeControlKeepingLines((f.error as Error)?.message ?? String(f.error))}\n`,
    );
  if (interrupted) {
    process.stdout.write(
      `\n${colors(process.stdout).red(`${destroy ? "Destroy" : "Apply"} interrupted`)}: ` +
        `${added} added, ${changed} changed, ${destroyed} destroyed${more}; ` +
        `${failed.length} stopped while waiting, ${skipped} not started. State holds what was done; ` +
        `re-run to converge.\n`,
    );
    return 130;
  }
  if (failed.length) {
    process.stdout.write(
      `\n${colors(process.stdout).red(`${destroy ? "Destroy" : "Apply"} failed`)}: ${failed.length} error(s); ` +
        `${added} added, ${changed} changed, ${destroyed} destroyed before stopping. Re-run to converge.\n`,
    );
    return 1;
  }
  const summary = destroy
    ? `Resources: ${destroyed} destroyed${more}.`
    : `Resources: ${added} added, ${changed} changed, ${destroyed} destroyed${more}.`;
  process.stdout.write(
    `\n${colors(process.stdout).green(colors(process.stdout).bold(`${destroy ? "Destroy" : "Apply"} complete!`))} ` +
      `${summary}\n`,
  );
  return 0;
}

/** Terraform's "Still creating..." wording, per action. */
const STILL: Record<string, string> = {
  create: "creating",
  update: "modifying",
  replace: "replacing",
  delete: "destroying",
  adopt: "adopting",
  forget: "forgetting",
};

/**
 * Live progress of long operations (package syncs, mirrors): one line per resource key with a bar,
 * redrawn in place at most 10 times a second, on a TTY. Elsewhere (CI logs) nothing is redrawn:
 * a step in flight prints `<key>: Still creating... [10s elapsed]` every PROGRESS_EVERY_MS as
 * Terraform does, with what it last reported (e.g. the sync's stage), and a rate-limit pause prints
 * its own lines, so a log is never silent for longer than that during a wait.
 */
export class ProgressDisplay {
  private readonly lines = new Map<string, string>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly pc: ReturnType<typeof colors>;
  /** Steps in flight (non-terminal): when each started, its heartbeat timer and its last progress message. */
  private readonly inFlight = new Map<
    string,
    { action: string; since: number; timer: NodeJS.Timeout; message?: string }
  >();
  private pause: { until: number; since: number; timer: NodeJS.Timeout } | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream | NodeJS.WritableStream = process.stdout,
    readonly enabled: boolean = !!(out as NodeJS.WriteStream).isTTY && !process.env.CI,
    private readonly everyMs: number = PROGRESS_EVERY_MS,
  ) {
    this.pc = colors(out as NodeJS.WriteStream);
  }

  /** EngineOptions.onProgress. */
  readonly update = (key: string, u: ProgressUpdate): void => {
    if (!this.enabled) {
      const f = this.inFlight.get(key);
      if (f) f.message = u.message;
      return;
    }
    const pct =
      u.fraction === undefined ? "" : `${String(Math.round(Math.min(1, Math.max(0, u.fraction)) * 100)).padStart(3)}% `;
    const width = 20;
    const filled = u.fraction === undefined ? 0 : Math.round(Math.min(1, Math.max(0, u.fraction)) * width);
    const bar =
      u.fraction === undefined ? "" : `${this.pc.green("█".repeat(filled))}${this.pc.dim("░".repeat(width - filled))} `;
    this.lines.set(key, `${key}: ${bar}${pct}${u.message}`);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.redraw();
    }, 100);
  };

  /** An apply step starts or ends: on a non-terminal, a step in flight says so every PROGRESS_EVERY_MS. */
  step(e: ApplyEvent): void {
    if (this.enabled || e.action === "noop") return;
    const known = this.inFlight.get(e.key);
    if (e.phase !== "start") {
      if (known) clearInterval(known.timer);
      this.inFlight.delete(e.key);
      return;
    }
    if (known) return;
    const since = Date.now();
    const timer = setInterval(() => {
      const f = this.inFlight.get(e.key);
      if (!f) return;
      const elapsed = Math.round((Date.now() - f.since) / 1000);
      this.out.write(
        `${e.key}: Still ${STILL[f.action] ?? f.action}... [${elapsed}s elapsed]${f.message ? ` ${f.message}` : ""}\n`,
      );
    }, this.everyMs);
    timer.unref();
    this.inFlight.set(e.key, { action: e.action, since, timer });
  }

  /**
   * An API answered 429: every request waits (the client's shared limiter). Said once, then every
   * PROGRESS_EVERY_MS while the pause lasts. `api` names the API, `waitMs` how long it waits.
   */
  rateLimited(api: string, waitMs: number): void {
    const now = Date.now();
    const until = now + waitMs;
    if (this.pause && this.pause.until >= until) return;
    const write = (line: string) => this.around(() => this.out.write(line));
    write(`${api} API rate limit reached (429): every request waits ${formatDuration(waitMs)}\n`);
    if (this.pause) clearInterval(this.pause.timer);
    const since = this.pause?.since ?? now;
    const timer = setInterval(() => {
      const left = (this.pause?.until ?? 0) - Date.now();
      if (left <= 0) {
        clearInterval(timer);
        this.pause = undefined;
        return;
      }
      write(
        `Still paused by the ${api} API rate limit... [${Math.round((Date.now() - since) / 1000)}s elapsed, ` +
          `${formatDuration(left)} left]\n`,
      );
    }, this.everyMs);
    timer.unref();
    this.pause = { until, since, timer };
  }

  /** Runs `print` (which writes whole lines) above the live lines; `key`'s line goes when its step ends. */
  around(print: () => void, endedKey?: string): void {
    if (endedKey) this.lines.delete(endedKey);
    if (!this.enabled || this.drawn === 0) return void print();
    this.clear();
    print();
    this.redraw();
  }

  /** Removes the live lines and stops every heartbeat (call before the summary). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lines.clear();
    for (const f of this.inFlight.values()) clearInterval(f.timer);
    this.inFlight.clear();
    if (this.pause) clearInterval(this.pause.timer);
    this.pause = undefined;
    if (this.enabled) this.clear();
  }

  private clear(): void {
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private redraw(): void {
    this.clear();
    const cols = Math.max(20, ((this.out as NodeJS.WriteStream).columns || 120) - 1);
    for (const line of this.lines.values()) this.out.write(`${truncate(line, cols)}\n`);
    this.drawn = this.lines.size;
  }
}

/**
 * A held state lock being waited for (`--lock-timeout`): LockWaitOptions.onWait, called when the
 * lock is first found held and at least every PROGRESS_EVERY_MS after.
 */
export function printLockWait(w: LockWait, out: NodeJS.WritableStream = process.stderr): void {
  const h = w.holder;
  const by = h ? ` (held by ${h.operation}, pid ${h.pid} on ${h.host}, since ${h.since})` : "";
  out.write(
    w.elapsedMs < 1_000
      ? `Waiting for the state lock of stack "${w.stack}"${by}: up to ${formatDuration(w.timeoutMs)} ` +
          `(--lock-timeout)...\n`
      : `Still waiting for the state lock of stack "${w.stack}"${by}... [${Math.round(w.elapsedMs / 1000)}s elapsed]\n`,
  );
}

/** Cuts a line to `cols` visible characters (ANSI colour codes do not count). */
function truncate(line: string, cols: number): string {
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length; i++) {
    const esc = /^\x1b\[[0-9;]*m/.exec(line.slice(i));
    if (esc) {
      out += esc[0];
      i += esc[0].length - 1;
      continue;
    }
    if (visible++ >= cols) return `${out}\x1b[0m`;
    out += line[i];
  }
  return out;
}
