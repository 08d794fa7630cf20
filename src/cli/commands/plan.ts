import type { Command } from "commander";
import { hasChanges, planAll, renderPlan, type Plan } from "../../engine";
import { colorFor } from "../color";
import { prepare, withCommon, type CommonOptions } from "../common";
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

export function registerPlan(program: Command): void {
  withCommon(program.command("plan").description("show what apply would change (reads only)"))
    .option("--json", "print the plan as JSON")
    .option("--detailed-exitcode", "exit 0 = no changes, 1 = error, 2 = changes present")
    .option("--destroy", "plan the destruction of everything in state")
    .action(async (o: CommonOptions & { json?: boolean; detailedExitcode?: boolean; destroy?: boolean }) => {
      const run = await planAll(prepare(o), { destroy: o.destroy });
      process.stdout.write(
        (o.json
          ? JSON.stringify(planJson(run.plan), null, 2)
          : renderPlan(run.plan, { color: colorFor(process.stdout) })) + "\n",
      );
      printNotices(run.ctx.notices);
      process.exitCode = o.detailedExitcode && hasChanges(run.plan) ? 2 : 0;
    });
}
