import type { Command } from "commander";
import { hasSecret, importResource, moveInState, readSecret, removeFromState, stackOfKey } from "../../engine";
import { openStore, prepare, withCommon, type CommonOptions } from "../common";
import { printNotices } from "../output";
import { CliError } from "../synth";

export function registerState(program: Command): void {
  withCommon(program.command("import").description("bring an existing object under a declared key, e.g. reposmith import app/ci acme.prod.a1B2c3"))
    .argument("<key>", "resource key: <stack>/<construct path>")
    .argument("<id>", "remote id, for a token owner.repository.slug_perm (as terraform-provider-cloudsmith)")
    .action(async (key: string, id: string, o: CommonOptions) => {
      const r = await importResource(prepare(o), key, id);
      printNotices(r.notices);
      process.stdout.write(`Import successful: ${key} (${r.kind}) is now ${r.id}. Run "reposmith plan" to see any difference from the configuration.\n`);
    });

  const state = program.command("state").description("inspect or edit reposmith state (no API calls)");
  const stateOpt = (c: Command) => c.option("--state <path>", "state location", ".reposmith/state");

  stateOpt(state.command("list").description("list managed resources: key, kind, id"))
    .option("--stack <name...>", "only these stacks")
    .action(async (o: { state?: string; stack?: string[] }) => {
      const store = openStore(o.state);
      const known = await store.stacks();
      const unknown = (o.stack ?? []).filter((s) => !known.includes(s));
      if (unknown.length) {
        throw new CliError(
          `no state for stack ${unknown.map((s) => `"${s}"`).join(", ")} in ${store.location}: ` +
            (known.length ? `it holds ${known.map((s) => `"${s}"`).join(", ")}` : "it holds no stacks yet (nothing applied, or another --state)"),
        );
      }
      const stacks = o.stack ?? known;
      const rows: string[] = [];
      for (const s of stacks.sort()) {
        for (const [key, rs] of Object.entries((await store.read(s)).resources).sort(([a], [b]) => a.localeCompare(b))) rows.push(`${key}\t${rs.kind}\t${rs.id}`);
      }
      process.stdout.write(rows.length ? rows.join("\n") + "\n" : "No resources in state.\n");
    });

  stateOpt(state.command("show").description("print one resource's state entry (never contains secrets)"))
    .argument("<key>")
    .action(async (key: string, o: { state?: string }) => {
      const rs = (await openStore(o.state).read(stackOfKey(key))).resources[key];
      if (!rs) throw new CliError(`${key} is not in state (see "reposmith state list")`);
      process.stdout.write(JSON.stringify({ key, ...rs, spec: rs.spec }, null, 2) + "\n");
    });

  stateOpt(state.command("rm").description("forget a resource without deleting it remotely"))
    .argument("<key>")
    .action(async (key: string, o: { state?: string }) => {
      const id = await removeFromState(openStore(o.state), key);
      process.stdout.write(
        `Removed ${key} (${id}) from state; the remote object is untouched. While the construct is still declared, the next plan finds it again and adopts it (a token by its reposmith tag, a copy by its destination and version, a mirror by its repository).\n`,
      );
    });

  stateOpt(state.command("mv").description("move a resource to another key (after renaming or moving its construct), keeping the remote object"))
    .argument("<from>", "the key in state now, e.g. app/ci")
    .argument("<to>", "the new key, e.g. app/ci-pipeline or other-stack/ci")
    .action(async (from: string, to: string, o: { state?: string }) => {
      const id = await moveInState(openStore(o.state), from, to);
      process.stdout.write(`Moved ${from} to ${to} (${id}); the remote object is untouched. The next apply records the new key where the object carries one (a token's reposmith tag).\n`);
    });

  stateOpt(program.command("output").description("print a managed resource's attributes; --show-secret reads its secret value from the API"))
    .argument("<key>")
    .option("--show-secret", "print only the secret value (e.g. the token), read from the API")
    .action(async (key: string, o: { state?: string; showSecret?: boolean }) => {
      const store = openStore(o.state);
      if (o.showSecret) {
        process.stdout.write((await readSecret({ store }, key)) + "\n");
        return;
      }
      const rs = (await store.read(stackOfKey(key))).resources[key];
      if (!rs) throw new CliError(`${key} is not in state (see "reposmith state list")`);
      const secret = hasSecret(rs.kind) ? { secret: "(sensitive: use --show-secret to print it)" } : {};
      process.stdout.write(JSON.stringify({ id: rs.id, ...rs.observed, ...secret }, null, 2) + "\n");
    });
}
