import type { Command } from "commander";
import { withCommon } from "../common";
import { runApply, type ApplyOpts } from "./apply";

export function registerDestroy(program: Command): void {
  withCommon(program.command("destroy").description("delete every resource the stacks manage"))
    .option("--auto-approve", "destroy without asking")
    .action((o: ApplyOpts) => runApply(o, true));
}
