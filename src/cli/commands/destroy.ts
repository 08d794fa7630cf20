import type { Command } from "commander";
import { lockTimeoutOption, withCommon } from "../common";
import { runApply, type ApplyOpts } from "./apply";

export function registerDestroy(program: Command): void {
  withCommon(program.command("destroy").description("delete every resource the stacks manage"))
    .option("--auto-approve", "destroy without asking")
    .option("--json", "print the outcome as one JSON document (plan's envelope); needs --auto-approve")
    .addOption(lockTimeoutOption())
    .action((o: ApplyOpts) => runApply(o, true));
}
