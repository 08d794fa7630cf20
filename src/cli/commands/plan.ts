import path from "node:path";
import type { Command } from "commander";
import writeFileAtomic from "write-file-atomic";
import { hasChanges, planAll, renderPlan, savePlan, type Plan } from "../../engine";
import { colorFor } from "../color";
import { prepare, withCommon, type CommonOptions } from "../common";
import { CliError } from "../errors";
import { printNotices } from "../output";

/** The machine-readable plan (`--json`): actions and field changes, never secrets. */
function planJson(plan: Plan): unknown {
  return {
    format_version: "1",
    summary: plan.summary,
    changes: plan.stacks.flatMap((s) =>
      s.resources
        .filter((r) => r.action !== "noop")
        .map((r) => ({
          stack: s.stack,
          key: r.key,
          kind: r.kind,
          label: r.label,
          action: r.action,
          id: r.observed?.id ?? r.state?.id ?? null,
          changes: r.changes,
          create: r.createFields ?? null,
        })),
    ),
  };
}

type PlanOpts = CommonOptions & { json?: boolean; detailedExitcode?: boolean; destroy?: boolean; out?: string };

export function registerPlan(program: Command): void {
  withCommon(program.command("plan").description("show what apply would change (reads only)"))
    .option("--json", "print the plan as JSON")
    .option("--detailed-exitcode", "exit 0 = no changes, 1 = error, 2 = changes present")
    .option("--destroy", "plan the destruction of everything in state")
    .option("--out <file>", "also save the plan to FILE, for `reposmith apply FILE` to apply exactly it")
    .action(async (o: PlanOpts) => {
      const run = await planAll(prepare(o), { destroy: o.destroy });
      if (o.out) {
        const file = path.resolve(o.out);
        const saved = savePlan(run.plan, run.states, !!o.destroy);
        try {
          // No secrets in it, but it names every managed object: as private as state (0600).
          await writeFileAtomic(file, JSON.stringify(saved, null, 2) + "\n", { mode: 0o600 });
        } catch (err) {
          throw new CliError(`cannot write the plan to ${o.out}: ${(err as Error).message}`);
        }
      }
      process.stdout.write(
        (o.json
          ? JSON.stringify(planJson(run.plan), null, 2)
          : renderPlan(run.plan, { color: colorFor(process.stdout) })) + "\n",
      );
      if (o.out && !o.json)
        process.stdout.write(
          `\nSaved the plan to: ${o.out}\n\nTo perform exactly these actions, run:\n  reposmith apply ${o.out}\n`,
        );
      printNotices(run.ctx.notices);
      process.exitCode = o.detailedExitcode && hasChanges(run.plan) ? 2 : 0;
    });
}
