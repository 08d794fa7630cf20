/**
 * What a new user does with the packed package and the official CLI of one flavour (cdktf or
 * cdktn), against the emulator, offline but for npm installs: `<cli> deploy` of an app with two
 * tokens, an edit, a removal, `<cli> destroy`. Used by test/e2e/cdk-cli.cdktf.test.ts and
 * test/e2e/cdk-cli.cdktn.test.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import semver from "semver";
import { startTestEmulator, type TestEmulator } from "./harness";
import { packReposmith } from "./built-package";
import { cliEnv, declareTokens, installCli, makeApp, readJson, type Flavour } from "./cdk-cli";
import { describeWithTerraform, run } from "./terraform";

const PATCH = "PATCH /entitlements/{owner}/{repo}/{identifier}/";

export function deployCycleSuite(flavour: Flavour, testFile: string): void {
  const maybe = describeWithTerraform(testFile, `${flavour.bin} deploy cannot run here`);

  let t: TestEmulator;
  let work: string;
  let app: string;
  let cli: string;
  let env: NodeJS.ProcessEnv;

  maybe(`a ${flavour.lib} ${flavour.version} app deployed with ${flavour.cli} ${flavour.cliVersion}`, () => {
    beforeAll(async () => {
      work = mkdtempSync(path.join(tmpdir(), `reposmith-${flavour.lib}-e2e-`));
      cli = installCli(flavour);
      app = path.join(work, "app");
      makeApp(app, flavour, packReposmith(work));
      t = await startTestEmulator();
      env = cliEnv(flavour, t.env, path.join(work, "home"));
    }, 900_000);
    afterAll(async () => {
      await t?.close();
      if (work && !process.env.KEEP_E2E) rmSync(work, { recursive: true, force: true });
    });

    const deploy = (...args: string[]) => run(cli, [...args, "--auto-approve"], { cwd: app, env });
    const managed = async () =>
      (await t.tokens("acme", "prod")).filter((x) => x.metadata?.["managed-by"] === "reposmith");
    const show = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`;

    it(`runs ${flavour.cli} on the Node it needs (${flavour.node ?? "any"}), in the range reposmith states`, () => {
      const version = spawnSync("node", ["--version"], { env, encoding: "utf8" }).stdout.trim();
      if (flavour.node) expect(semver.satisfies(version, flavour.node)).toBe(true);
      expect(
        semver.satisfies(version, readJson(path.join(app, "node_modules", "reposmith", "package.json")).engines.node),
      ).toBe(true);
    });

    it(`installs reposmith beside ${flavour.lib} alone: npm adds no other CDK library`, () => {
      expect(existsSync(path.join(app, "node_modules", "reposmith", "dist", "index.js"))).toBe(true);
      expect(existsSync(path.join(app, "node_modules", flavour.lib))).toBe(true);
      expect(existsSync(path.join(app, "node_modules", flavour.lib === "cdktf" ? "cdktn" : "cdktf"))).toBe(false);
    });

    it(`reposmith synth runs the app as ${flavour.bin} synth does`, async () => {
      declareTokens(app, [{ id: "ci", downloads: 10 }]);
      const seen = async (cmd: string, args: string[], file: string) => {
        const r = await run(cmd, args, {
          cwd: app,
          env: { ...env, DUMP_ENV: path.join(work, file), TF_VAR_region: "x" },
        });
        expect(r.code).toBe(0);
        const e = readJson(path.join(work, file));
        return {
          context: JSON.parse(e.CDKTF_CONTEXT_JSON),
          outdir: e.CDKTF_OUTDIR,
          hcl: e.SYNTH_HCL_OUTPUT,
          nodeOptions: e.NODE_OPTIONS,
          tfVar: e.TF_VAR_region,
          stack: readFileSync(path.join(app, "cdktf.out/stacks/tokens/cdk.tf.json"), "utf8"),
        };
      };
      const official = await seen(cli, ["synth"], "cli-env.json");
      const ours = await seen(path.join(app, "node_modules", ".bin", "reposmith"), ["synth"], "reposmith-env.json");
      expect(official.context).toMatchObject({ "e2e:note": "from cdktf.json" });
      expect(ours).toEqual(official);
    });

    it(`${flavour.bin} deploy creates both tokens, updates an edit in place, deletes a removed one; ${flavour.bin} destroy empties`, async () => {
      // Literals Terraform would evaluate if they were not escaped, and a slug given out as an output.
      const name = "ci${path.module}%{if true}X%{endif}";
      const metadata = { when: "${timestamp()}" };
      const ci = (downloads: number) => ({ id: "ci", name, metadata, downloads, output: true });
      declareTokens(app, [ci(10), { id: "partner", downloads: 5 }]);
      const first = await deploy("deploy");
      expect(show(first)).toMatch(/Apply complete! Resources: 3 added, 0 changed, 0 destroyed/);
      expect(first.code).toBe(0);
      expect((await managed()).map((x) => x.name).sort()).toEqual([name, "partner"]);
      const before = (await managed()).find((x) => x.name === name);
      expect(before.metadata).toMatchObject(metadata);
      expect(show(first)).toMatch(new RegExp(`ci_slug\\s*=\\s*"?${before.slug_perm}`));

      declareTokens(app, [ci(20), { id: "partner", downloads: 5 }]);
      const patches = t.emu.stats().requests.byRoute[PATCH] ?? 0;
      const edit = await deploy("deploy");
      expect(edit.code).toBe(0);
      const after = (await managed()).find((x) => x.name === name);
      expect(after).toMatchObject({ slug_perm: before.slug_perm, token: before.token, limit_num_downloads: 20 });
      expect(t.emu.stats().requests.byRoute[PATCH]).toBe(patches + 1);
      // The construct's own resource is updated in place; the stack's runner did the PATCH.
      expect(show(edit)).toMatch(/ci_hook_resource_\w+ (\([\w/]+\) )?will be updated in-place/);
      expect(show(edit)).not.toMatch(/ci_hook_resource_\w+ (\([\w/]+\) )?must be replaced/);
      expect(show(edit)).toContain(`tokens/ci: Modifications complete [id=acme.prod.${before.slug_perm}]`);

      declareTokens(app, [ci(20)]);
      const removal = await deploy("deploy");
      expect(removal.code).toBe(0);
      expect((await managed()).map((x) => x.name)).toEqual([name]);

      const destroy = await deploy("destroy");
      expect(show(destroy)).toMatch(/Destroy complete! Resources: 2 destroyed/);
      expect(destroy.code).toBe(0);
      expect(await managed()).toEqual([]);
      // Nothing went to the npm registry or HashiCorp from inside the deploys.
      expect(show(first) + show(edit) + show(removal) + show(destroy)).not.toMatch(
        /registry\.npmjs|checkpoint-api|ENOTFOUND|E404/,
      );
    }, 900_000);
  });
}
