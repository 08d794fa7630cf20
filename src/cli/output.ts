import { createInterface } from "node:readline/promises";
import type { ApplyEvent, ApplyResult } from "../engine";
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
export function printEvent(e: ApplyEvent): void {
  const [start, done] = VERB[e.action] ?? [e.action, e.action];
  if (e.phase === "start") process.stdout.write(`${e.key}: ${start}\n`);
  if (e.phase === "done") process.stdout.write(`${e.key}: ${done}${e.id ? ` [id=${escapeControl(e.id)}]` : ""}\n`);
  // The message itself is printed once, with the others, when the run ends (printOutcome).
  if (e.phase === "error") process.stdout.write(`${e.key}: ${colors(process.stdout).red("failed")} (error below)\n`);
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

/** Totals and failures after apply/destroy; returns the exit code. */
export function printOutcome(results: ApplyResult[], destroy: boolean, interrupted = false): number {
  const count = (a: string) => results.reduce((n, r) => n + r.done.filter((d) => d.action === a).length, 0);
  const failed = results.flatMap((r) => r.failed);
  const added = count("create") + count("replace");
  // As the plan counts them: a mirror's prunes are destroys, and an update that only prunes changes nothing else.
  const sum = (f: (d: ApplyResult["done"][number]) => number) =>
    results.reduce((n, r) => n + r.done.reduce((m, d) => m + f(d), 0), 0);
  const changed = sum((d) => (d.action === "update" && d.changed !== false ? 1 : 0));
  const destroyed = count("delete") + count("replace") + sum((d) => d.deleted ?? 0);
  const adopted = count("adopt");
  const forgotten = count("forget");
  const rotated = sum((d) => (d.rotated ? 1 : 0));
  const more = `${rotated ? `, ${rotated} rotated` : ""}${adopted && !destroy ? `, ${adopted} adopted` : ""}${forgotten ? `, ${forgotten} forgotten` : ""}`;
  const skipped = results.reduce((n, r) => n + r.skipped.length, 0);
  for (const f of failed)
    process.stderr.write(
      `${colors(process.stderr).red("Error:")} ${f.key}: ${escapeControlKeepingLines((f.error as Error)?.message ?? String(f.error))}\n`,
    );
  if (interrupted) {
    process.stdout.write(
      `\n${colors(process.stdout).red(`${destroy ? "Destroy" : "Apply"} interrupted`)}: ${added} added, ${changed} changed, ${destroyed} destroyed${more}; ` +
        `${failed.length} stopped while waiting, ${skipped} not started. State holds what was done; re-run to converge.\n`,
    );
    return 130;
  }
  if (failed.length) {
    process.stdout.write(
      `\n${colors(process.stdout).red(`${destroy ? "Destroy" : "Apply"} failed`)}: ${failed.length} error(s); ${added} added, ${changed} changed, ${destroyed} destroyed before stopping. Re-run to converge.\n`,
    );
    return 1;
  }
  const summary = destroy
    ? `Resources: ${destroyed} destroyed${more}.`
    : `Resources: ${added} added, ${changed} changed, ${destroyed} destroyed${more}.`;
  process.stdout.write(
    `\n${colors(process.stdout).green(colors(process.stdout).bold(`${destroy ? "Destroy" : "Apply"} complete!`))} ${summary}\n`,
  );
  return 0;
}

/**
 * Live progress of long operations (package syncs, mirrors): one line per resource key with a bar,
 * redrawn in place at most 10 times a second, on a TTY only. Elsewhere it prints nothing, so CI
 * logs keep just the quiet one-line-per-step output of printEvent.
 */
export class ProgressDisplay {
  private readonly lines = new Map<string, string>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly pc: ReturnType<typeof colors>;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    readonly enabled: boolean = !!process.stdout.isTTY && !process.env.CI,
  ) {
    this.pc = colors(out);
  }

  /** EngineOptions.onProgress. */
  readonly update = (key: string, u: ProgressUpdate): void => {
    if (!this.enabled) return;
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

  /** Runs `print` (which writes whole lines) above the live lines; `key`'s line goes when its step ends. */
  around(print: () => void, endedKey?: string): void {
    if (endedKey) this.lines.delete(endedKey);
    if (!this.enabled || this.drawn === 0) return void print();
    this.clear();
    print();
    this.redraw();
  }

  /** Removes the live lines (call before the summary). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lines.clear();
    if (this.enabled) this.clear();
  }

  private clear(): void {
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private redraw(): void {
    this.clear();
    const cols = Math.max(20, (this.out.columns || 120) - 1);
    for (const line of this.lines.values()) this.out.write(`${truncate(line, cols)}\n`);
    this.drawn = this.lines.size;
  }
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
