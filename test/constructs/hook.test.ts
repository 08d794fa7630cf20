import { readFileSync } from "node:fs";
import path from "node:path";
import { DataResource, Testing, TerraformStack } from "cdktf";
import { App } from "cdktf";
import { CloudsmithConnection, CodeArtsConnection, EntitlementToken } from "../../src";
import { DEFAULT_HOOK_COMMAND } from "../../src/constructs/hook-command";

const props = { owner: "acme", repository: "prod", name: "ci" };

function synth(context?: Record<string, unknown>): { text: string; doc: any } {
  const app = Testing.app({ context });
  const stack = new TerraformStack(app, "s");
  new EntitlementToken(stack, "ci", props);
  new EntitlementToken(stack, "partner", { ...props, name: "partner" });
  const text = Testing.synth(stack);
  return { text, doc: JSON.parse(text) };
}

describe("hook resources", () => {
  it("default to terraform_data whose provisioners call reposmith hook apply/delete with self.input", () => {
    const { text } = synth();
    expect(text).toHaveResourceWithProperties(DataResource, {
      input: expect.objectContaining({ kind: "EntitlementToken", key: "s/ci" }),
      lifecycle: { create_before_destroy: true },
      provisioner: [
        {
          "local-exec": expect.objectContaining({
            command: `${DEFAULT_HOOK_COMMAND} hook apply`,
            environment: expect.objectContaining({ REPOSMITH_HOOK_INPUT: "${jsonencode(self.input)}" }),
          }),
        },
        { "local-exec": expect.objectContaining({ command: `${DEFAULT_HOOK_COMMAND} hook delete`, when: "destroy" }) },
      ],
    });
  });

  it("add one prune hook per stack that names every key and runs after the others", () => {
    const { text, doc } = synth();
    expect(text).toHaveResourceWithProperties(DataResource, {
      input: { reposmith: "1", prune: "1", stack: "s", keys: '["s/ci","s/partner"]' },
      triggers_replace: { keys: '["s/ci","s/partner"]' },
    });
    const prune = Object.values(doc.resource.terraform_data).find((r: any) => r.input.prune) as any;
    expect(prune.depends_on).toHaveLength(2);
    expect(prune.depends_on.every((d: string) => /^terraform_data\.[\w-]+$/.test(d))).toBe(true);
  });

  it("keep the prune hook in a stack left with only a connection, so removing its last resource still prunes", () => {
    for (const Conn of [CloudsmithConnection, CodeArtsConnection]) {
      const app = Testing.app();
      const stack = new TerraformStack(app, "s");
      new Conn(stack, "conn");
      const prune = Object.values(JSON.parse(Testing.synth(stack)).resource.terraform_data) as any[];
      expect(prune.map((r) => r.input)).toEqual([{ reposmith: "1", prune: "1", stack: "s", keys: "[]" }]);
    }
    // A connection on the App, outside any stack, adds nothing (and does not fail).
    const app = new App({ outdir: Testing.app().outdir });
    expect(() => new CloudsmithConnection(app, "conn")).not.toThrow();
    expect(app.node.findAll().filter((c) => c !== app && c.node.id !== "conn")).toEqual([]);
    app.synth();
    expect(JSON.parse(readFileSync(path.join(app.outdir, "manifest.json"), "utf8")).stacks).toEqual({});
  });

  it("use hashicorp/null's null_resource when the app chooses it", () => {
    const { text, doc } = synth({ "reposmith:hookResource": "null_resource" });
    expect(text).toHaveResourceWithProperties(
      { tfResourceType: "null_resource" },
      {
        triggers: expect.objectContaining({ kind: "EntitlementToken", key: "s/ci" }),
        provisioner: expect.arrayContaining([
          {
            "local-exec": expect.objectContaining({
              environment: expect.objectContaining({ REPOSMITH_HOOK_INPUT: "${jsonencode(self.triggers)}" }),
            }),
          },
        ]),
      },
    );
    expect(doc.resource.terraform_data).toBeUndefined();
    // As the prebuilt @cdktf/provider-null 11 wrote them.
    expect(doc.terraform.required_providers.null).toEqual({ source: "null", version: "3.2.4" });
    expect(doc.provider.null).toEqual([{}]);
  });

  it("refuse an unknown hook resource type", () => {
    const stack = new TerraformStack(Testing.app({ context: { "reposmith:hookResource": "aws_instance" } }), "s");
    expect(() => new EntitlementToken(stack, "ci", props)).toThrow(
      /"reposmith:hookResource" must be "terraform_data" or "null_resource"/,
    );
  });

  it("synthesize identically for identical props, so Terraform sees no change", () => {
    expect(JSON.stringify(synth().doc.resource)).toBe(JSON.stringify(synth().doc.resource));
  });
});
