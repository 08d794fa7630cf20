import { App, Testing, TerraformStack } from "cdktf";
import { EntitlementSync, EntitlementToken } from "../../src";

describe("EntitlementSync", () => {
  it("requires replaceTargetTokens: true and explains why", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    expect(() => new EntitlementSync(stack, "sync", { owner: "acme", source: "prod", target: "staging" } as never)).toThrow(
      /EntitlementSync at "s\/sync": replaceTargetTokens must be true: syncing DELETES every token of the target repository/,
    );
  });

  it("refuses a repository synced onto itself", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    expect(() => new EntitlementSync(stack, "sync", { owner: "acme", source: "prod", target: "prod", replaceTargetTokens: true })).toThrow(/source and target must be different/);
  });

  it("fails synth when the app also declares tokens in the target repository, in any stack", () => {
    const app = new App({ outdir: Testing.app().outdir });
    new EntitlementSync(new TerraformStack(app, "a"), "sync", { owner: "acme", source: "prod", target: "staging", replaceTargetTokens: true });
    new EntitlementToken(new TerraformStack(app, "b"), "tok", { owner: "acme", repository: "staging", name: "x" });
    expect(() => app.synth()).toThrow(/EntitlementToken "b\/tok" is declared in acme\/staging, which this EntitlementSync overwrites/);
  });

  it("synthesizes one hook carrying the sync spec", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const sync = new EntitlementSync(stack, "sync", { owner: "acme", source: "prod", target: "staging", replaceTargetTokens: true });
    expect(sync.hook.payload).toMatchObject({ kind: "EntitlementSync", key: "s/sync" });
    expect(JSON.parse(sync.hook.payload.spec)).toEqual({ owner: "acme", source: "prod", target: "staging", replaceTargetTokens: true });
  });
});
