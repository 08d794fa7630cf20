/** The environment settings: every command taking a flag that has one reads it (flag, then environment, then default). */
import type { Command, Option } from "commander";
import { buildProgram } from "../../src/cli/main";
import { ENV } from "../../src/cli/common";

function commands(c: Command, prefix = ""): [string, Command][] {
  return c.commands.flatMap((sub) => {
    const name = `${prefix}${sub.name()}`;
    return [[name, sub] as [string, Command], ...commands(sub, `${name} `)];
  });
}

const optionsOf = (c: Command) => (c as unknown as { options: Option[] }).options;

describe("environment settings", () => {
  it.each([
    ["--state", ENV.state],
    ["--app", ENV.app],
    ["--output", ENV.output],
    ["--parallelism", ENV.parallelism],
    ["--lock-timeout", ENV.lockTimeout],
  ])("every command with %s reads %s (the hooks, which have their own order, aside)", (flag, env) => {
    const taking = commands(buildProgram()).filter(
      ([name, c]) => !name.startsWith("hook") && optionsOf(c).some((o) => o.long === flag),
    );
    expect(taking.length).toBeGreaterThan(0);
    for (const [name, c] of taking)
      expect([name, optionsOf(c).find((o) => o.long === flag)!.envVar]).toEqual([name, env]);
  });

  it("lets the flag win over the environment, and the environment over the default", async () => {
    const stateOf = async (args: string[]) => {
      const program = buildProgram();
      let seen = "";
      commands(program)
        .find(([n]) => n === "state list")![1]
        .action((o: { state: string }) => void (seen = o.state));
      await program.parseAsync(["node", "reposmith", "state", "list", ...args]);
      return seen;
    };
    const before = process.env.REPOSMITH_STATE;
    try {
      delete process.env.REPOSMITH_STATE;
      expect(await stateOf([])).toBe(".reposmith/state");
      process.env.REPOSMITH_STATE = "/from/env";
      expect(await stateOf([])).toBe("/from/env");
      expect(await stateOf(["--state", "/from/flag"])).toBe("/from/flag");
    } finally {
      if (before === undefined) delete process.env.REPOSMITH_STATE;
      else process.env.REPOSMITH_STATE = before;
    }
  });
});
