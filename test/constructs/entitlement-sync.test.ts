import { readFileSync } from "node:fs";
import path from "node:path";
import { App, Testing, TerraformStack } from "cdktf";
import { EntitlementSync, EntitlementToken } from "../../src";
import { synthesizedHooks } from "../helpers/synth";

describe("EntitlementSync", () => {
  it("requires replaceTargetTokens: true and explains why", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    expect(
      () => new EntitlementSync(stack, "sync", { owner: "acme", source: "prod", target: "staging" } as never),
    ).toThrow(
      /EntitlementSync at "s\/sync": replaceTargetTokens must be true: syncing DELETES every token of the target repository/,
    );
  });

  it("refuses a repository synced onto itself", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    expect(
      () =>
        new EntitlementSync(stack, "sync", {
          owner: "acme",
          source: "prod",
          target: "prod",
          replaceTargetTokens: true,
        }),
    ).toThrow(/source and target must be different/);
  });

  it("fails synth when the app also declares tokens in the target repository, in any stack", () => {
    const app = new App({ outdir: Testing.app().outdir });
    new EntitlementSync(new TerraformStack(app, "a"), "sync", {
      owner: "acme",
      source: "prod",
      target: "staging",
      replaceTargetTokens: true,
    });
    new EntitlementToken(new TerraformStack(app, "b"), "tok", { owner: "acme", repository: "staging", name: "x" });
    expect(() => app.synth()).toThrow(
      /EntitlementToken "b\/tok" is declared in acme\/staging, which this EntitlementSync overwrites/,
    );
  });

  const sync = (props: { source: string; target: string; owner?: string }) => ({
    owner: "acme",
    replaceTargetTokens: true as const,
    ...props,
  });

  it("fails synth when two syncs replace the tokens of one target, in any stack, naming both paths, the target and the fix", () => {
    const app = new App({ outdir: Testing.app().outdir });
    new EntitlementSync(new TerraformStack(app, "a"), "from-prod", sync({ source: "prod", target: "staging" }));
    new EntitlementSync(new TerraformStack(app, "b"), "from-qa", sync({ source: "qa", target: "staging" }));
    expect(() => app.synth()).toThrow(
      /EntitlementSyncs "a\/from-prod" \(acme\/prod -> acme\/staging\) and "b\/from-qa" \(acme\/qa -> acme\/staging\) both replace the tokens of acme\/staging: each sync deletes what the other copied, so they never agree; keep one EntitlementSync per target/,
    );
  });

  it("fails synth on a sync cycle, once, naming every member and the fix", () => {
    const app = new App({ outdir: Testing.app().outdir });
    const s = new TerraformStack(app, "s");
    new EntitlementSync(s, "down", sync({ source: "prod", target: "staging" }));
    new EntitlementSync(s, "up", sync({ source: "staging", target: "prod" }));
    const error = (() => {
      try {
        app.synth();
      } catch (e) {
        return String((e as Error).message);
      }
      return "";
    })();
    expect(error).toMatch(
      /EntitlementSyncs "s\/down" \(acme\/prod -> acme\/staging\) and "s\/up" \(acme\/staging -> acme\/prod\) form a cycle: each replaces the tokens another copies from, so they never settle; make the syncs flow one way/,
    );
    expect(error.match(/form a cycle/g)).toHaveLength(1);
  });

  it("finds a longer cycle, and accepts chains, fan-out and other owners", () => {
    const app = new App({ outdir: Testing.app().outdir });
    const s = new TerraformStack(app, "s");
    new EntitlementSync(s, "a", sync({ source: "one", target: "two" }));
    new EntitlementSync(s, "b", sync({ source: "two", target: "three" }));
    new EntitlementSync(s, "c", sync({ source: "three", target: "one" }));
    expect(() => app.synth()).toThrow(
      /EntitlementSyncs "s\/a" \(acme\/one -> acme\/two\), "s\/b" \(acme\/two -> acme\/three\) and "s\/c" \(acme\/three -> acme\/one\) form a cycle/,
    );

    const ok = new App({ outdir: Testing.app().outdir });
    const t = new TerraformStack(ok, "t");
    new EntitlementSync(t, "a", sync({ source: "prod", target: "staging" }));
    new EntitlementSync(t, "b", sync({ source: "prod", target: "qa" }));
    new EntitlementSync(t, "c", sync({ source: "staging", target: "dev" }));
    new EntitlementSync(t, "d", sync({ owner: "other", source: "dev", target: "prod" }));
    expect(() => ok.synth()).not.toThrow();
    const synthesized = readFileSync(path.join(ok.outdir, "stacks", "t", "cdk.tf.json"), "utf8");
    expect(
      synthesizedHooks(synthesized).map((h) => [h.kind, h.key, `${h.spec.owner}/${h.spec.source} -> ${h.spec.target}`]),
    ).toEqual([
      ["EntitlementSync", "t/a", "acme/prod -> staging"],
      ["EntitlementSync", "t/b", "acme/prod -> qa"],
      ["EntitlementSync", "t/c", "acme/staging -> dev"],
      ["EntitlementSync", "t/d", "other/dev -> prod"],
    ]);
  });

  it("synthesizes one hook carrying the sync spec", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const sync = new EntitlementSync(stack, "sync", {
      owner: "acme",
      source: "prod",
      target: "staging",
      replaceTargetTokens: true,
    });
    expect(sync.hook.payload).toMatchObject({ kind: "EntitlementSync", key: "s/sync" });
    expect(JSON.parse(sync.hook.payload.spec)).toEqual({
      owner: "acme",
      source: "prod",
      target: "staging",
      replaceTargetTokens: true,
    });
  });

  it("under Terraform, a chain of syncs is one runner's work: each record depends on it, and a change at the top re-runs it", () => {
    const synthChain = (downloads: number) => {
      const stack = new TerraformStack(Testing.app(), "s");
      new EntitlementToken(stack, "ci", {
        owner: "acme",
        repository: "prod",
        name: "ci",
        limits: { numDownloads: downloads },
      });
      new EntitlementSync(stack, "to-dev", {
        owner: "acme",
        source: "staging",
        target: "dev",
        replaceTargetTokens: true,
      });
      new EntitlementSync(stack, "to-staging", {
        owner: "acme",
        source: "prod",
        target: "staging",
        replaceTargetTokens: true,
      });
      return JSON.parse(Testing.synth(stack)).resource.terraform_data as Record<
        string,
        { depends_on?: string[]; input: { digest?: string } }
      >;
    };
    const one = synthChain(1);
    for (const [id, r] of Object.entries(one))
      if (id !== "reposmith") expect(r.depends_on).toEqual(["terraform_data.reposmith"]);
    expect(synthChain(2).reposmith.input.digest).not.toBe(one.reposmith.input.digest);
    expect(synthChain(1).reposmith.input.digest).toBe(one.reposmith.input.digest);
  });
});
