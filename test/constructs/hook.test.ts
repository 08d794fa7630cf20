import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, DataResource, TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import {
  CloudsmithConnection,
  CodeArtsConnection,
  EntitlementSync,
  EntitlementToken,
  PackageCopy,
  PackageMirror,
  RepositoryMirror,
} from "../../src";
import { DEFAULT_HOOK_COMMAND } from "../../src/constructs/hook-command";
import { payloadReader, readRecords } from "../../src/engine";
import { refHash } from "../../src/resources/payload";

const props = { owner: "acme", repository: "prod", name: "ci" };

function synth(context?: Record<string, unknown>, build?: (stack: TerraformStack) => void): { text: string; doc: any } {
  const app = Testing.app({ context });
  const stack = new TerraformStack(app, "s");
  if (build) build(stack);
  else {
    new EntitlementToken(stack, "ci", props);
    new EntitlementToken(stack, "partner", { ...props, name: "partner" });
  }
  const text = Testing.synth(stack);
  return { text, doc: JSON.parse(text) };
}

const records = (doc: any) =>
  Object.entries(doc.resource.terraform_data as Record<string, any>).filter(([id]) => id !== "reposmith");

describe("the Terraform path's resources", () => {
  it("give each construct a terraform_data record that depends on the stack's runner and only spools its key on destroy", () => {
    const { text, doc } = synth();
    expect(text).toHaveResourceWithProperties(DataResource, {
      input: expect.objectContaining({ reposmith: "2", kind: "EntitlementToken", key: "s/ci" }),
      lifecycle: { create_before_destroy: true },
      depends_on: ["terraform_data.reposmith"],
    });
    for (const [, r] of records(doc)) {
      // No create provisioner: an edit is an in-place update of `input`, which runs nothing.
      expect(r.provisioner).toHaveLength(1);
      const [{ "local-exec": destroy }] = r.provisioner;
      expect(destroy.when).toBe("destroy");
      expect(destroy.command).toMatch(/^d="\$REPOSMITH_SPOOL"; .*; set -C; if .*; then exec .* hook drain; fi$/);
      expect(destroy.command).toContain(`exec ${DEFAULT_HOOK_COMMAND} hook drain`);
      expect(destroy.environment).toMatchObject({ REPOSMITH_KEY: r.input.key });
      // The identity, not the whole spec, forces a replacement.
      expect(JSON.parse(r.triggers_replace.identity)).toEqual({
        owner: "acme",
        repository: "prod",
        defaultToken: false,
      });
    }
  });

  it("add one runner per stack whose provisioners run the whole stack on create and destroy it on destroy", () => {
    const { doc } = synth();
    const runner = doc.resource.terraform_data.reposmith;
    expect(runner.input).toMatchObject({ reposmith: "2", stack: "s", digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(runner.triggers_replace).toEqual(runner.input);
    const [{ "local-exec": run }, { "local-exec": destroy }] = runner.provisioner;
    expect(run).toMatchObject({
      command: `${DEFAULT_HOOK_COMMAND} hook run`,
      environment: expect.objectContaining({
        REPOSMITH_HOOK_INPUT: "${jsonencode(self.input)}",
        REPOSMITH_STACK_FILE: "${path.module}/cdk.tf.json",
      }),
    });
    expect(destroy).toMatchObject({ command: expect.stringMatching(/exec .* hook destroy$/), when: "destroy" });
    expect(destroy.command).toContain(`exec ${DEFAULT_HOOK_COMMAND} hook destroy`);
    // Destroy-time provisioners may refer to nothing but self and paths.
    expect(JSON.stringify(destroy.environment)).not.toMatch(/\$\{(?!path\.module|jsonencode\(self)/);
  });

  it("keep the runner in a stack left with only a connection, so removing its last resource still prunes", () => {
    for (const Conn of [CloudsmithConnection, CodeArtsConnection]) {
      const { doc } = synth(undefined, (stack) => new Conn(stack, "conn"));
      expect(Object.keys(doc.resource.terraform_data)).toEqual(["reposmith"]);
    }
    // A connection on the App, outside any stack, adds nothing (and does not fail).
    const app = new App({ outdir: Testing.app().outdir });
    expect(() => new CloudsmithConnection(app, "conn")).not.toThrow();
    expect(app.node.findAll().filter((c) => c !== app && c.node.id !== "conn")).toEqual([]);
    app.synth();
    expect(JSON.parse(readFileSync(path.join(app.outdir, "manifest.json"), "utf8")).stacks).toEqual({});
  });

  it("change the runner's digest exactly when a record changes, and it is the digest of the records as synthesized", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "reposmith-digest-"));
    const build = (downloads: number) => {
      const app = new App({ outdir: dir });
      const stack = new TerraformStack(app, "s");
      new EntitlementToken(stack, "ci", { ...props, limits: { numDownloads: downloads } });
      new EntitlementToken(stack, "partner", { ...props, name: "partner" });
      app.synth();
      const file = path.join(dir, "stacks", "s", "cdk.tf.json");
      return { file, digest: JSON.parse(readFileSync(file, "utf8")).resource.terraform_data.reposmith.input.digest };
    };
    const one = build(1);
    expect(build(1).digest).toBe(one.digest);
    const two = build(2);
    expect(two.digest).not.toBe(one.digest);
    // The runner reads the file Terraform runs and checks it against what Terraform planned.
    expect(readRecords(two.file, "s", two.digest).resources.map((r) => r.key)).toEqual(["s/ci", "s/partner"]);
    expect(() => readRecords(two.file, "s", one.digest)).toThrow(/is not what Terraform planned for stack "s"/);
    writeFileSync(two.file, readFileSync(two.file, "utf8").replace('\\"numDownloads\\":2', '\\"numDownloads\\":3'));
    expect(() => readRecords(two.file, "s", two.digest)).toThrow(/synthesized again since/);
  });

  it("write every literal as a template that evaluates to itself, and read it back unchanged", () => {
    const name = "n${path.module}%{if true}X%{endif}$${x}";
    const metadata = { when: "${timestamp()}", file: '${file("/etc/passwd")}', pct: "100%{x}" };
    const { doc } = synth(undefined, (stack) => new EntitlementToken(stack, "ci$${odd}", { ...props, name, metadata }));
    const [[, record]] = records(doc);
    const text = JSON.stringify(record.input);
    // Every "${" and "%{" of user data is escaped: none would be evaluated by Terraform.
    expect(text.replace(/\$\$\{|%%\{/g, "")).not.toMatch(/\$\{|%\{/);
    expect(record.input.key).toBe("s/ci$$${odd}");
    const read = payloadReader("s")(record.input);
    expect(read.key).toBe("s/ci$${odd}");
    expect(read.spec).toMatchObject({ name, metadata });
  });

  it("take a Terraform variable as a prop: a placeholder in the spec, the expression beside it, its value for the runner", () => {
    const { doc } = synth(undefined, (stack) => {
      const repo = new TerraformVariable(stack, "repo", { type: "string" });
      const downloads = new TerraformVariable(stack, "downloads", { type: "number" });
      new EntitlementToken(stack, "ci", {
        ...props,
        repository: repo.stringValue,
        name: `ci-${repo.stringValue}`,
        limits: { numDownloads: downloads.numberValue },
      });
    });
    const [[, record]] = records(doc);
    const spec = JSON.parse(record.input.spec);
    expect(spec.repository).toEqual({ "reposmith:ref": expect.any(String) });
    const refs = Object.fromEntries(Object.entries(record.input).filter(([k]) => k.startsWith("ref.")));
    expect(Object.values(refs).sort()).toEqual(["${var.downloads}", "${var.repo}", "ci-${var.repo}"]);
    // The repository is identity: changing the variable replaces the record (and moves the token).
    expect(Object.values(record.triggers_replace)).toContain("${var.repo}");
    const env = doc.resource.terraform_data.reposmith.provisioner[0]["local-exec"].environment;
    expect(env[`REPOSMITH_REF_${refHash("${var.repo}")}`]).toBe("${jsonencode(var.repo)}");
    expect(env[`REPOSMITH_REF_${refHash("${var.downloads}")}`]).toBe("${jsonencode(var.downloads)}");
    expect(doc.resource.terraform_data.reposmith.input.refs).toMatch(/^\$\{jsonencode\(\{.*var\.repo.*\}\)\}$/);
  });

  it("still check what is literal at synth when another prop is a reference, and say which props take none", () => {
    expect(() =>
      synth(undefined, (stack) => {
        const repo = new TerraformVariable(stack, "repo", { type: "string" });
        new EntitlementToken(stack, "ci", { ...props, repository: repo.stringValue, name: "" });
      }),
    ).toThrow(/EntitlementToken at "s\/ci": name/);
    expect(() =>
      synth(undefined, (stack) => {
        const policy = new TerraformVariable(stack, "policy", { type: "string" });
        new EntitlementToken(stack, "ci", { ...props, deletionPolicy: policy.stringValue as "retain" });
      }),
    ).toThrow(/deletionPolicy cannot be a Terraform reference/);
    expect(() =>
      synth(undefined, (stack) => {
        const yes = new TerraformVariable(stack, "yes", { type: "bool" });
        new EntitlementSync(stack, "sync", {
          owner: "acme",
          source: "prod",
          target: "staging",
          replaceTargetTokens: yes.booleanValue as unknown as true,
        });
      }),
    ).toThrow(/replaceTargetTokens cannot be a Terraform reference/);
  });

  it("take references in every kind's props that name a remote object or set a value", () => {
    const { doc } = synth(undefined, (stack) => {
      const v = (name: string, type = "string") => new TerraformVariable(stack, name, { type });
      new PackageCopy(stack, "copy", {
        source: {
          owner: "acme",
          repository: v("src").stringValue,
          package: { format: "npm", name: v("pkg").stringValue, version: v("ver").stringValue },
        },
        destination: v("dest").stringValue,
      });
      new PackageMirror(stack, "mirror", {
        source: { owner: "acme", repository: "staging" },
        destination: "prod",
        query: v("query").stringValue,
      });
      new RepositoryMirror(stack, "repo", {
        repositoryId: v("id", "number").numberValue,
        sourceUrl: v("url").stringValue,
      });
      new EntitlementSync(stack, "sync", {
        owner: "acme",
        source: v("from").stringValue,
        target: "dev",
        replaceTargetTokens: true,
      });
    });
    const refsOf = (key: string) => {
      const [, r] = records(doc).find(([, x]) => x.input.key === key)!;
      return Object.entries(r.input)
        .filter(([k]) => k.startsWith("ref."))
        .map(([, v]) => v)
        .sort();
    };
    expect(refsOf("s/copy")).toEqual(["${var.dest}", "${var.pkg}", "${var.src}", "${var.ver}"]);
    expect(refsOf("s/mirror")).toEqual(["${var.query}"]);
    expect(refsOf("s/repo")).toEqual(["${var.id}", "${var.url}"]);
    expect(refsOf("s/sync")).toEqual(["${var.from}"]);
  });

  it("refuse a reference to another construct's id of the same stack, and references in a connection", () => {
    expect(() =>
      synth(undefined, (stack) => {
        const ci = new EntitlementToken(stack, "ci", props);
        new EntitlementToken(stack, "other", { ...props, name: "other", metadata: { partner: ci.slugPerm } });
      }),
    ).toThrow(/EntitlementToken at "s\/other": metadata\.partner refers to an id of another reposmith construct/);
    expect(() =>
      synth(undefined, (stack) => {
        const url = new TerraformVariable(stack, "url", { type: "string" });
        new CloudsmithConnection(stack, "conn", { apiUrl: url.stringValue });
      }),
    ).toThrow(/CloudsmithConnection at "s\/conn": apiUrl cannot be a Terraform reference/);
  });

  it("give slug_perms out as Terraform values read from the runner's ids file after it applied", () => {
    const { doc } = synth(undefined, (stack) => {
      const ci = new EntitlementToken(stack, "ci", props);
      const copy = new PackageCopy(stack, "copy", {
        source: { owner: "acme", repository: "staging", package: { format: "npm", name: "x", version: "1.0.0" } },
        destination: "prod",
      });
      new TerraformOutput(stack, "slug", { value: ci.slugPerm });
      new TerraformOutput(stack, "copied", { value: copy.slugPerm });
    });
    const ids = doc.data.terraform_remote_state["reposmith-ids"];
    expect(ids).toMatchObject({ backend: "local", depends_on: ["terraform_data.reposmith"], defaults: { ids: {} } });
    expect(ids.config.path).toMatch(/^\$\{path\.module\}\/.*\.reposmith\/outputs\/s\.tfstate$/);
    expect(doc.output.slug.value).toBe('${data.terraform_remote_state.reposmith-ids.outputs.ids["s/ci"].slug_perm}');
    expect(doc.output.copied.value).toBe(
      '${data.terraform_remote_state.reposmith-ids.outputs.ids["s/copy"].slug_perm}',
    );
  });

  it("use hashicorp/null's null_resource when the app chooses it", () => {
    const { text, doc } = synth({ "reposmith:hookResource": "null_resource" });
    expect(text).toHaveResourceWithProperties(
      { tfResourceType: "null_resource" },
      { triggers: expect.objectContaining({ kind: "EntitlementToken", key: "s/ci" }) },
    );
    expect(doc.resource.null_resource.reposmith.provisioner[0]["local-exec"].environment).toMatchObject({
      REPOSMITH_HOOK_INPUT: "${jsonencode(self.triggers)}",
    });
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
