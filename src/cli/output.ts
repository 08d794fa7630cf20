import { createInterface } from "node:readline/promises";
import pc from "picocolors";
import type { ApplyEvent, ApplyResult } from "../engine";
import { CliError } from "./synth";

export function printNotices(notices: string[]): void {
  for (const n of notices) process.stderr.write(`${pc.yellow("Warning:")} ${n}\n`);
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
  if (e.phase === "done") process.stdout.write(`${e.key}: ${done}${e.id ? ` [id=${e.id}]` : ""}\n`);
  if (e.phase === "error") process.stdout.write(`${e.key}: ${pc.red("failed")}: ${(e.error as Error)?.message ?? String(e.error)}\n`);
}

/** Asks Terraform's question on a TTY; refuses to guess when nobody can answer. */
export async function confirmOrAuto(autoApprove: boolean | undefined, question: string): Promise<boolean> {
  if (autoApprove) return true;
  if (!process.stdin.isTTY) throw new CliError("no terminal to ask for confirmation: re-run with --auto-approve to apply without asking");
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`\n${question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `);
    return answer.trim() === "yes";
  } finally {
    rl.close();
  }
}

/** Totals and failures after apply/destroy; returns the exit code. */
export function printOutcome(results: ApplyResult[], destroy: boolean): number {
  const count = (a: string) => results.reduce((n, r) => n + r.done.filter((d) => d.action === a).length, 0);
  const failed = results.flatMap((r) => r.failed);
  const added = count("create") + count("replace");
  const changed = count("update");
  const destroyed = count("delete") + count("replace");
  const adopted = count("adopt");
  if (failed.length) {
    for (const f of failed) process.stderr.write(`${pc.red("Error:")} ${f.key}: ${(f.error as Error)?.message ?? String(f.error)}\n`);
    process.stdout.write(`\n${pc.red(`${destroy ? "Destroy" : "Apply"} failed`)}: ${failed.length} error(s); ${added} added, ${changed} changed, ${destroyed} destroyed before stopping. Re-run to converge.\n`);
    return 1;
  }
  const summary = destroy ? `Resources: ${destroyed} destroyed.` : `Resources: ${added} added, ${changed} changed, ${destroyed} destroyed${adopted ? `, ${adopted} adopted` : ""}.`;
  process.stdout.write(`\n${pc.green(pc.bold(`${destroy ? "Destroy" : "Apply"} complete!`))} ${summary}\n`);
  return 0;
}
