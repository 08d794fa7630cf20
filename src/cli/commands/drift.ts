import type { Command } from "commander";
import { driftAll, renderDrift } from "../../engine";
import { colorFor } from "../color";
import { prepare, withCommon, type CommonOptions } from "../common";
import { printNotices } from "../output";

export function registerDrift(program: Command): void {
  withCommon(
    program
      .command("drift")
      .description("compare what exists with what was last applied (reads only); exit 2 on drift"),
  )
    .option("--json", "print drift as JSON")
    .option("--detailed-exitcode", "accepted for symmetry with plan: drift always exits 2 when something drifted")
    .action(async (o: CommonOptions & { json?: boolean }) => {
      const run = await driftAll(prepare(o));
      const text = o.json
        ? JSON.stringify({ format_version: "1", checked: run.checked, drifted: run.items }, null, 2)
        : renderDrift(run.items, run.checked, { color: colorFor(process.stdout) });
      process.stdout.write(text + "\n");
      // What observing noticed (e.g. a mirror leaving a hand-uploaded package alone), as plan shows it.
      printNotices(run.ctx.notices);
      process.exitCode = run.items.length ? 2 : 0;
    });
}
