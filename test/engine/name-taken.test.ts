/**
 * A token name taken between plan and apply: the create is refused for its `name` field (422 by
 * Cloudsmith's documentation, 400 from a server that follows only the spec's 400 ErrorDetail), and
 * either way the failure says which token holds the name and how to take it over.
 */
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { EntitlementToken } from "../../src";
import { applyAll, FileStateStore } from "../../src/engine";
import { emulatorFixture, FAST_RETRIES } from "../helpers/harness";

const fx = emulatorFixture("reposmith-name-taken-");

function synth(): string {
  const outdir = path.join(fx.dir, "cdktf.out");
  const app = new App({ outdir });
  new EntitlementToken(new TerraformStack(app, "app"), "ci", { owner: "acme", repository: "prod", name: "ci" });
  app.synth();
  return outdir;
}

describe("a name taken after the plan", () => {
  it.each([
    { reason: "422, as Cloudsmith documents field errors", fieldErrorStatus: 422 },
    { reason: "400, from a server answering field errors with the spec's 400", fieldErrorStatus: 400 },
  ])(
    "$reason: the failure names the token holding it and the import that takes it over",
    async ({ fieldErrorStatus }) => {
      await fx.t.admin("POST", "/cloudsmith/settings", { fieldErrorStatus });
      let taken = "";
      const run = await applyAll({
        outdir: synth(),
        store: new FileStateStore(path.join(fx.dir, "state")),
        env: fx.t.env,
        clientOptions: FAST_RETRIES,
        // Someone creates "ci" by hand while the plan waits for its confirmation.
        confirm: async () => {
          taken = (await fx.t.api("POST", "/entitlements/acme/prod/", { name: "ci" })).body.slug_perm;
          return true;
        },
      });
      const failed = run.results[0].failed;
      expect(failed).toHaveLength(1);
      const id = `acme.prod.${taken}`;
      expect(String((failed[0].error as Error).message)).toBe(
        `a token named "ci" in acme/prod already exists (${id}) and is not managed by app/ci; take it over with: reposmith import app/ci ${id}, or choose another name`,
      );
    },
  );
});
