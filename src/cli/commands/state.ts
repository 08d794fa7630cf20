import type { Command } from "commander";
import { moveInState, removeFromState, stackOfKey } from "../../engine";
import { lockTimeoutOption, openStore, parseDurationFlag, withStateOption } from "../common";
import { CliError } from "../errors";
import { notInState, REMOTE_UNTOUCHED } from "../messages";
import { printLockWait } from "../output";

/** The store of a command that writes state (`state rm`, `state mv`): waits --lock-timeout for a held lock. */
const writingStore = (o: { state?: string; lockTimeout?: string }) =>
  openStore(o.state, {
    timeoutMs: parseDurationFlag("--lock-timeout", o.lockTimeout ?? "0s"),
    onWait: (w) => printLockWait(w),
  });

export function registerState(program: Command): void {
  const state = program.command("state").description("inspect or edit reposmith state (no API calls)");

  withStateOption(state.command("list").description("list managed resources: key, kind, id"))
    .option("--stack <name...>", "only these stacks")
    .option("--json", "print the list as JSON (plan's envelope): stack, key, kind and id of each")
    .action(async (o: { state?: string; stack?: string[]; json?: boolean }) => {
      const store = openStore(o.state);
      const known = await store.stacks();
      const unknown = (o.stack ?? []).filter((s) => !known.includes(s));
      if (unknown.length) {
        throw new CliError(
          `no state for stack ${unknown.map((s) => `"${s}"`).join(", ")} in ${store.location}: ` +
            (known.length
              ? `it holds ${known.map((s) => `"${s}"`).join(", ")}`
              : "it holds no stacks yet (nothing applied, or another --state)"),
        );
      }
      const stacks = o.stack ?? known;
      const rows: { stack: string; key: string; kind: string; id: string }[] = [];
      for (const stack of stacks.sort()) {
        for (const [key, rs] of Object.entries((await store.read(stack)).resources).sort(([a], [b]) =>
          a.localeCompare(b),
        ))
          rows.push({ stack, key, kind: rs.kind, id: rs.id });
      }
      if (o.json) {
        process.stdout.write(JSON.stringify({ format_version: "1", resources: rows }, null, 2) + "\n");
        return;
      }
      process.stdout.write(
        rows.length ? rows.map((r) => `${r.key}\t${r.kind}\t${r.id}`).join("\n") + "\n" : "No resources in state.\n",
      );
    });

  withStateOption(state.command("show").description("print one resource's state entry (never contains secrets)"))
    .argument("<key>")
    .action(async (key: string, o: { state?: string }) => {
      const rs = (await openStore(o.state).read(stackOfKey(key))).resources[key];
      if (!rs) throw new CliError(notInState(key));
      process.stdout.write(JSON.stringify({ key, ...rs, spec: rs.spec }, null, 2) + "\n");
    });

  withStateOption(state.command("rm").description("forget a resource without deleting it remotely"))
    .argument("<key>")
    .addOption(lockTimeoutOption())
    .action(async (key: string, o: { state?: string; lockTimeout?: string }) => {
      const id = await removeFromState(writingStore(o), key);
      process.stdout.write(
        `Removed ${key} (${id}) from state; ${REMOTE_UNTOUCHED}. While the construct is still declared, ` +
          `the next plan finds it again and adopts it (a token by its reposmith tag, ` +
          `a copy by its destination and version, a mirror by its repository).\n`,
      );
    });

  withStateOption(
    state
      .command("mv")
      .description(
        "move a resource to another key (after renaming or moving its construct), keeping the remote object",
      ),
  )
    .argument("<from>", "the key in state now, e.g. app/ci")
    .argument("<to>", "the new key, e.g. app/ci-pipeline or other-stack/ci")
    .addOption(lockTimeoutOption())
    .action(async (from: string, to: string, o: { state?: string; lockTimeout?: string }) => {
      const id = await moveInState(writingStore(o), from, to);
      process.stdout.write(
        `Moved ${from} to ${to} (${id}); ${REMOTE_UNTOUCHED}. The next apply records the new key where the object ` +
          `carries one (a token's reposmith tag).\n`,
      );
    });
}
