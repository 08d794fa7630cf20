import { DataResource, Testing, TerraformStack } from "cdktf";
import { PackageCopy, PackageMirror, type PackageCopyProps, type PackageMirrorProps } from "../../src";
import { synthesizedHooks } from "../helpers/synth";

const copy: PackageCopyProps = {
  source: { owner: "acme", repository: "staging", package: { format: "npm", name: "left-pad", version: "1.3.0" } },
  destination: "prod",
};
const mirror: PackageMirrorProps = {
  source: { owner: "acme", repository: "staging" },
  destination: "prod",
  query: "tag:release AND format:npm",
};
const stack = () => new TerraformStack(Testing.app(), "s1");

describe("PackageCopy duplicates", () => {
  it("fails synth when two copies name the same package by format/name/version into one destination, naming both paths, the package and the fix", () => {
    const s = stack();
    new PackageCopy(s, "a", copy);
    new PackageCopy(s, "b", { ...copy, source: { ...copy.source, repository: "qa" } });
    expect(() => Testing.synth(s, true)).toThrow(
      /PackageCopies "s1\/a" and "s1\/b" both copy npm\/left-pad@1\.3\.0 into acme\/prod: both would manage the same package, and removing one would delete it under the other; declare the copy once/,
    );
  });

  it("fails synth when two copies name the same slug_perm into one destination, across stacks", () => {
    const app = Testing.app();
    const bySlug: PackageCopyProps = { ...copy, source: { ...copy.source, package: "LeftPad130" } };
    new PackageCopy(new TerraformStack(app, "a"), "one", bySlug);
    new PackageCopy(new TerraformStack(app, "b"), "two", bySlug);
    expect(() => app.synth()).toThrow(
      /PackageCopies "a\/one" and "b\/two" both copy package LeftPad130 into acme\/prod/,
    );
  });

  it("accepts the same package into other destinations, other versions, and a mirror that also covers it", () => {
    const s = stack();
    new PackageCopy(s, "a", copy);
    new PackageCopy(s, "b", { ...copy, destination: "qa" });
    new PackageCopy(s, "c", {
      ...copy,
      source: { ...copy.source, package: { format: "npm", name: "left-pad", version: "1.4.0" } },
    });
    new PackageMirror(s, "m", mirror);
    let synthesized = "";
    expect(() => (synthesized = Testing.synth(s, true))).not.toThrow();
    expect(
      synthesizedHooks(synthesized).map((h) => [h.kind, h.key, h.spec.destination, h.spec.source.package?.version]),
    ).toEqual([
      ["PackageCopy", "s1/a", "prod", "1.3.0"],
      ["PackageCopy", "s1/b", "qa", "1.3.0"],
      ["PackageCopy", "s1/c", "prod", "1.4.0"],
      ["PackageMirror", "s1/m", "prod", undefined],
    ]);
  });
});

describe("PackageCopy props validation", () => {
  const cases: { reason: string; props: Record<string, unknown>; want: RegExp }[] = [
    {
      reason: "an unknown format",
      props: { source: { ...copy.source, package: { format: "gem", name: "x", version: "1" } } },
      want: /source\.package\.format must be one of "alpine", .*"npm".* \(got "gem"\)/,
    },
    {
      reason: "a slug_perm with spaces",
      props: { source: { ...copy.source, package: "not a slug" } },
      want: /source\.package must be a slug_perm/,
    },
    {
      reason: "a missing package",
      props: { source: { owner: "acme", repository: "staging" } },
      want: /source\.package is required/,
    },
    {
      reason: "an empty version",
      props: { source: { ...copy.source, package: { format: "npm", name: "x", version: "" } } },
      want: /source\.package\.version must not be empty/,
    },
    {
      reason: "the source repository as destination",
      props: { destination: "staging" },
      want: /destination must differ from source\.repository/,
    },
    {
      reason: "a timeout that is not a duration",
      props: { waitForSync: { timeout: "soon" } },
      want: /waitForSync\.timeout must be a duration such as/,
    },
    {
      reason: "a negative resync count",
      props: { resyncAttempts: -1 },
      want: /resyncAttempts must be 0 or more \(got -1\)/,
    },
    { reason: "too many resyncs", props: { resyncAttempts: 50 }, want: /resyncAttempts must be at most 10/ },
    { reason: "a misspelt prop", props: { republsh: true }, want: /unknown field\(s\) "republsh"/ },
    {
      reason: "a destination that is not a slug",
      props: { destination: "prod repo" },
      want: /destination must be a slug/,
    },
    {
      reason: "an owner/repository destination",
      props: { destination: "acme/prod" },
      want: /destination must be a slug: letters, digits, "-" or "_"; it names a repository in source\.owner's namespace, so give only the repository \(e\.g\. "prod", not "acme\/prod"\) \(got "acme\/prod"\)/,
    },
    {
      reason: "an owner/repository source repository",
      props: { source: { ...copy.source, repository: "acme/staging" } },
      want: /source\.repository must be a slug: .* repository in source\.owner's namespace, so give only the repository \(e\.g\. "prod"/,
    },
  ];
  it.each(cases)("rejects $reason at synth time, naming the construct path and the field", ({ props, want }) => {
    expect(() => new PackageCopy(stack(), "promote", { ...copy, ...props } as PackageCopyProps)).toThrow(want);
    expect(() => new PackageCopy(stack(), "promote", { ...copy, ...props } as PackageCopyProps)).toThrow(
      /PackageCopy at "s1\/promote"/,
    );
  });

  it("fills the documented defaults", () => {
    const c = new PackageCopy(stack(), "promote", copy);
    expect(c.spec).toMatchObject({ republish: false, waitForSync: { timeout: "10m" }, resyncAttempts: 2 });
    expect(c.key).toBe("s1/promote");
  });

  it("accepts a slug_perm and a timeout in seconds", () => {
    const c = new PackageCopy(stack(), "promote", {
      ...copy,
      source: { ...copy.source, package: "Abc123XyZ789" },
      waitForSync: { timeout: 90 },
    });
    expect(c.spec.source.package).toBe("Abc123XyZ789");
    expect(c.spec.waitForSync.timeout).toBe(90);
  });

  it("accepts a timeout in milliseconds, as the other durations do", () => {
    const c = new PackageCopy(stack(), "promote", { ...copy, waitForSync: { timeout: "1500ms" } });
    expect(c.spec.waitForSync.timeout).toBe("1500ms");
  });

  it("emits a terraform_data hook carrying kind, key and spec", () => {
    const s = stack();
    new PackageCopy(s, "promote", copy);
    const out = Testing.synth(s);
    expect(out).toHaveResourceWithProperties(DataResource, {
      input: expect.objectContaining({ kind: "PackageCopy", key: "s1/promote" }),
    });
    const hook = Object.values(JSON.parse(out).resource.terraform_data)[0] as { input: { spec: string } };
    expect(JSON.parse(hook.input.spec)).toMatchObject({
      destination: "prod",
      source: { package: { format: "npm", name: "left-pad", version: "1.3.0" } },
    });
  });
});

describe("PackageMirror props validation", () => {
  const cases: { reason: string; props: Record<string, unknown>; want: RegExp }[] = [
    {
      reason: "an unbalanced query",
      props: { query: "(tag:release AND format:npm" },
      want: /query has a "\(" without its "\)" \(got "\(tag:release AND format:npm"\)/,
    },
    {
      reason: "an unterminated quote",
      props: { query: 'name:"left pad' },
      want: /query has an unterminated double quote/,
    },
    { reason: "zero parallelism", props: { parallelism: 0 }, want: /parallelism must be at least 1/ },
    {
      reason: "the source repository as destination",
      props: { destination: "staging" },
      want: /destination must differ from source\.repository/,
    },
    { reason: "prune that is not a boolean", props: { prune: "yes" }, want: /prune/ },
    {
      reason: "an owner/repository destination",
      props: { destination: "acme/prod" },
      want: /destination must be a slug: .* it names a repository in source\.owner's namespace, so give only the repository \(e\.g\. "prod", not "acme\/prod"\)/,
    },
  ];
  it.each(cases)("rejects $reason at synth time", ({ props, want }) => {
    expect(() => new PackageMirror(stack(), "m", { ...mirror, ...props } as PackageMirrorProps)).toThrow(want);
    expect(() => new PackageMirror(stack(), "m", { ...mirror, ...props } as PackageMirrorProps)).toThrow(
      /PackageMirror at "s1\/m"/,
    );
  });

  it("defaults to no pruning, ten copies at a time, and the whole repository when no query is given", () => {
    const m = new PackageMirror(stack(), "m", { source: mirror.source, destination: "prod" });
    expect(m.spec).toMatchObject({
      query: "",
      prune: false,
      parallelism: 10,
      resyncAttempts: 2,
      waitForSync: { timeout: "10m" },
    });
  });
});
