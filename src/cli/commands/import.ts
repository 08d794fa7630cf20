import type { Command } from "commander";
import { importResource } from "../../engine";
import { lockTimeoutOption, prepare, withCommon, type CommonOptions } from "../common";
import { printLockWait, printNotices } from "../output";

export function registerImport(program: Command): void {
  withCommon(
    program
      .command("import")
      .description("bring an existing object under a declared key, e.g. reposmith import app/ci acme.prod.a1B2c3"),
  )
    .argument("<key>", "resource key: <stack>/<construct path>")
    .argument("<id>", "remote id, for a token owner.repository.slug_perm (as terraform-provider-cloudsmith)")
    .addOption(lockTimeoutOption())
    .action(async (key: string, id: string, o: CommonOptions) => {
      const r = await importResource(prepare(o, { onWait: (w) => printLockWait(w) }), key, id);
      printNotices(r.notices);
      process.stdout.write(
        `Import successful: ${key} (${r.kind}) is now ${r.id}. Run "reposmith plan" to see any difference from the ` +
          `configuration.\n`,
      );
    });
}
