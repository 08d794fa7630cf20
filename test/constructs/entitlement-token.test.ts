import { App, DataResource, Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { CloudsmithConnection, EntitlementToken, Secret, type EntitlementTokenProps } from "../../src";
import { synthesizedHooks } from "../helpers/synth";

const base: EntitlementTokenProps = { owner: "acme", repository: "prod", name: "ci" };

function stack(): TerraformStack {
  return new TerraformStack(Testing.app(), "s1");
}

describe("EntitlementToken props validation", () => {
  const cases: { reason: string; props: Partial<EntitlementTokenProps> & Record<string, unknown>; want: RegExp }[] = [
    {
      reason: "a negative download limit",
      props: { limits: { numDownloads: -1 } },
      want: /limits\.numDownloads must be 0 or more \(got -1\)/,
    },
    {
      reason: "a scheduled reset time without a time zone",
      props: { scheduledResetAt: "2027-01-01T10:00:00" },
      want: /scheduledResetAt must say its time zone: add "Z" for UTC or an offset/,
    },
    {
      reason: "a fractional client limit",
      props: { limits: { numClients: 1.5 } },
      want: /limits\.numClients must be a whole number/,
    },
    {
      reason: "an unknown bandwidth unit",
      props: { limits: { bandwidth: { amount: 1, unit: "Gigabit" as never } } },
      want: /limits\.bandwidth\.unit must be one of "Byte", "Kilobyte".*"Yottabyte" \(got "Gigabit"\)/,
    },
    {
      reason: "an unknown reset period",
      props: { scheduledResetPeriod: "Hourly" as never },
      want: /scheduledResetPeriod must be one of "Never Reset", "Daily".*\(got "Hourly"\)/,
    },
    {
      reason: "an end date before the start date",
      props: { limits: { dateRangeFrom: "2027-01-01T00:00:00Z", dateRangeTo: "2026-01-01T00:00:00Z" } },
      want: /limits\.dateRangeTo .* must be after limits\.dateRangeFrom/,
    },
    {
      reason: "a date that is not ISO-8601",
      props: { limits: { dateRangeTo: "next tuesday" } },
      want: /limits\.dateRangeTo must be an ISO-8601 date-time/,
    },
    {
      // Read in the machine's time zone, it would be another instant on another machine (and another plan).
      reason: "a date-time without a time zone",
      props: { limits: { dateRangeTo: "2027-01-01T10:00:00" } },
      want: /limits\.dateRangeTo must say its time zone: add "Z" for UTC or an offset such as "\+02:00" \(got "2027-01-01T10:00:00"\)/,
    },
    {
      reason: "a day that does not exist",
      props: { limits: { dateRangeTo: "2027-02-30T00:00:00Z" } },
      want: /limits\.dateRangeTo is not a real date and time \(got "2027-02-30T00:00:00Z"\)/,
    },
    {
      reason: "an hour that does not exist",
      props: { limits: { dateRangeFrom: "2027-01-01T24:30:00Z" } },
      want: /limits\.dateRangeFrom is not a real date and time/,
    },
    {
      reason: "a download limit that is NaN",
      props: { limits: { numDownloads: NaN } },
      want: /limits\.numDownloads must be a number \(got NaN\)/,
    },
    {
      reason: "a metadata value from an unset variable",
      props: { metadata: { team: undefined } },
      want: /metadata\.team: must be a string, a finite number, true\/false, null, an array or a plain object \(got undefined/,
    },
    {
      reason: "a Date in metadata",
      props: { metadata: { since: new Date(0) as never } },
      want: /metadata\.since: .* \(got a Date \(give its toISOString\(\)\)\)/,
    },
    { reason: "an owner that is not a slug", props: { owner: "Acme Corp" }, want: /owner must be a slug/ },
    { reason: "an empty name", props: { name: "" }, want: /name must not be empty/ },
    {
      reason: "a reserved metadata key",
      props: { metadata: { key: "mine" } },
      want: /metadata must not set "managed-by" or "key"/,
    },
    {
      reason: "a misspelt limit",
      props: { limits: { numDownload: 3 } as never },
      want: /unknown field\(s\) "numDownload"/,
    },
    {
      reason: "an ignoreChanges entry that is not a field",
      props: { ignoreChanges: ["limits.numDownloads"] },
      want: /ignoreChanges\[\] must be one of "name", "is_active"/,
    },
    {
      reason: "a rotation maxAge that is not a duration",
      props: { rotation: { maxAge: "monthly" } },
      want: /rotation\.maxAge must be a duration such as "90d"/,
    },
    {
      reason: "a rotation trigger that is not a string",
      props: { rotation: { triggers: { q: 3 as never } } },
      want: /rotation\.triggers values must be strings/,
    },
    {
      reason: "active and enabled that disagree",
      props: { active: true, enabled: false },
      want: /active \(true\) and enabled \(false\) disagree/,
    },
    // Found by the fuzz suite: the problem named "enabled", a field the user never gave.
    {
      reason: "an active that is not true or false",
      props: { active: 1 as never },
      want: /: active must be true or false \(got 1\)$/,
    },
    // Found by the fuzz suite: a string was spread into unknown fields "0", "1", ...; a number into no limits at all.
    {
      reason: "limits given as a string",
      props: { limits: "none" as never },
      want: /limits: Invalid input: expected object, received string \(got "none"\)/,
    },
    {
      reason: "limits given as a number",
      props: { limits: 5 as never },
      want: /limits: Invalid input: expected object, received number \(got 5\)/,
    },
    {
      reason: "a package query over 1024 characters",
      props: { limits: { packageQuery: "x".repeat(1025) } },
      want: /limits\.packageQuery must be at most 1024 characters/,
    },
  ];
  it.each(cases)("rejects $reason at synth time, naming the construct path and the field", ({ props, want }) => {
    const s = stack();
    expect(() => new EntitlementToken(s, "tok", { ...base, ...props } as EntitlementTokenProps)).toThrow(want);
    expect(() => new EntitlementToken(stack(), "tok", { ...base, ...props } as EntitlementTokenProps)).toThrow(
      /EntitlementToken at "s1\/tok"/,
    );
  });

  it("reads dates the same in every time zone: a bare date is UTC midnight, an offset is honoured", () => {
    const tz = process.env.TZ;
    try {
      const specs = ["UTC", "Asia/Tokyo", "America/New_York"].map((zone) => {
        process.env.TZ = zone;
        const t = new EntitlementToken(stack(), "tok", {
          ...base,
          limits: { dateRangeFrom: "2027-01-01", dateRangeTo: "2027-06-01T12:00:00-05:00" },
        });
        return t.spec.limits;
      });
      expect(specs).toEqual(
        Array(3).fill({ dateRangeFrom: "2027-01-01T00:00:00.000Z", dateRangeTo: "2027-06-01T17:00:00.000Z" }),
      );
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it("accepts every writable field of a token", () => {
    const s = stack();
    const t = new EntitlementToken(s, "full", {
      ...base,
      active: false,
      eulaRequired: true,
      limits: {
        dateRangeFrom: new Date("2026-01-01T00:00:00Z"),
        dateRangeTo: "2027-01-01T00:00:00+02:00",
        numClients: 5,
        numDownloads: 100,
        bandwidth: { amount: 10, unit: "Gigabyte" },
        packageQuery: "format:npm",
      },
      scheduledResetPeriod: "Every 6 months",
      scheduledResetAt: new Date("2026-06-01T00:00:00Z"),
      metadata: { team: "platform", tier: 2 },
    });
    expect(t.spec.limits.dateRangeTo).toBe("2026-12-31T22:00:00.000Z");
    expect(t.spec.scheduledResetAt).toBe("2026-06-01T00:00:00.000Z");
    expect(t.spec.enabled).toBe(false);
    expect(t.key).toBe("s1/full");
  });
});

describe("EntitlementToken synthesis", () => {
  it("emits one terraform_data record carrying kind, key and spec, replaced only when its identity changes", () => {
    const record = (repository: string, downloads: number) => {
      const s = stack();
      new EntitlementToken(s, "ci", { ...base, repository, limits: { numDownloads: downloads } });
      const synthesized = Testing.synth(s);
      expect(synthesized).toHaveResourceWithProperties(DataResource, {
        input: expect.objectContaining({ kind: "EntitlementToken", key: "s1/ci", reposmith: "2" }),
        lifecycle: { create_before_destroy: true },
      });
      return JSON.parse(synthesized).resource.terraform_data[
        Object.keys(JSON.parse(synthesized).resource.terraform_data).find((k) => k !== "reposmith")!
      ] as { input: { spec: string }; triggers_replace: Record<string, string> };
    };
    const hook = record("prod", 100);
    expect(JSON.parse(hook.input.spec)).toMatchObject({
      owner: "acme",
      repository: "prod",
      name: "ci",
      limits: { numDownloads: 100 },
    });
    // A limit is edited in place (same triggers); another repository is another token (new triggers).
    expect(record("prod", 200).triggers_replace).toEqual(hook.triggers_replace);
    expect(record("staging", 100).triggers_replace).not.toEqual(hook.triggers_replace);
  });

  it("changes the record in place and the runner's digest when only the lifecycle changes", () => {
    const synthOf = (deletionPolicy?: "retain" | "delete") => {
      const s = stack();
      new EntitlementToken(s, "ci", { ...base, deletionPolicy });
      const doc = JSON.parse(Testing.synth(s)).resource.terraform_data as Record<string, any>;
      const id = Object.keys(doc).find((k) => k !== "reposmith")!;
      return { record: doc[id], digest: doc.reposmith.input.digest as string };
    };
    expect(synthOf().record.input.lifecycle).toBeUndefined();
    expect(synthOf("retain").record.input.lifecycle).toBe('{"deletionPolicy":"retain"}');
    expect(synthOf("retain").record.triggers_replace).toEqual(synthOf("delete").record.triggers_replace);
    expect(synthOf("retain").digest).not.toBe(synthOf("delete").digest);
    expect(synthOf("retain").digest).toBe(synthOf("retain").digest);
  });

  it("changes the generation when a prop changes, and only then", () => {
    const gen = (downloads: number) => {
      const s = stack();
      return new EntitlementToken(s, "ci", { ...base, limits: { numDownloads: downloads } }).hook.payload.generation;
    };
    expect(gen(1)).toBe(gen(1));
    expect(gen(1)).not.toBe(gen(2));
  });

  it("never puts a secret in the synthesized stack", () => {
    process.env.RS_TEST_KEY = "sk-super-secret-value-123";
    try {
      const s = stack();
      new CloudsmithConnection(s, "conn", { apiKey: Secret.fromEnv("RS_TEST_KEY"), apiUrl: "http://127.0.0.1:1/v1" });
      new EntitlementToken(s, "ci", base);
      const out = Testing.synth(s);
      expect(out).not.toContain("sk-super-secret-value-123");
      expect(out).toContain("RS_TEST_KEY");
    } finally {
      delete process.env.RS_TEST_KEY;
    }
  });

  it("refuses an API key given as a plain string", () => {
    expect(() => new CloudsmithConnection(stack(), "conn", { apiKey: "abc" as never })).toThrow(
      /apiKey must be a Secret reference/,
    );
  });

  it("fails synth when two tokens share a name in one repository, naming both paths, the field and the fix", () => {
    const s = stack();
    new EntitlementToken(s, "a", base);
    new EntitlementToken(new Construct(s, "team"), "b", base);
    expect(() => Testing.synth(s, true)).toThrow(
      /EntitlementTokens "s1\/a" and "s1\/team\/b" both have name "ci" in acme\/prod, where Cloudsmith allows one token per name; give each a unique name/,
    );
  });

  it("fails synth on a shared name across stacks of one app", () => {
    const app = new App({ outdir: Testing.app().outdir });
    new EntitlementToken(new TerraformStack(app, "a"), "tok", base);
    new EntitlementToken(new TerraformStack(app, "b"), "tok", base);
    expect(() => app.synth()).toThrow(/EntitlementTokens "a\/tok" and "b\/tok" both have name "ci" in acme\/prod/);
  });

  it("accepts the same name in other repositories, and default tokens (no name of their own)", () => {
    const s = stack();
    new EntitlementToken(s, "a", base);
    new EntitlementToken(s, "b", { ...base, repository: "staging" });
    new EntitlementToken(s, "c", { ...base, owner: "other" });
    EntitlementToken.forDefaultToken(s, "prod-default", { owner: "acme", repository: "prod" });
    EntitlementToken.forDefaultToken(s, "staging-default", { owner: "acme", repository: "staging" });
    let synthesized = "";
    expect(() => (synthesized = Testing.synth(s, true))).not.toThrow();
    expect(
      synthesizedHooks(synthesized).map((h) => [h.key, h.spec.owner, h.spec.repository, h.spec.name ?? "(default)"]),
    ).toEqual([
      [`${s.node.id}/a`, "acme", "prod", base.name],
      [`${s.node.id}/b`, "acme", "staging", base.name],
      [`${s.node.id}/c`, "other", "prod", base.name],
      [`${s.node.id}/prod-default`, "acme", "prod", "(default)"],
      [`${s.node.id}/staging-default`, "acme", "staging", "(default)"],
    ]);
    expect(synthesizedHooks(synthesized).map((h) => h.spec.defaultToken)).toEqual([false, false, false, true, true]);
  });

  it("fails synth when two constructs manage the default token of one repository", () => {
    const s = stack();
    EntitlementToken.forDefaultToken(s, "d1", { owner: "acme", repository: "prod" });
    EntitlementToken.forDefaultToken(s, "d2", { owner: "acme", repository: "prod", limits: { numDownloads: 5 } });
    expect(() => Testing.synth(s, true)).toThrow(
      /EntitlementTokens "s1\/d1" and "s1\/d2" both manage the default token of acme\/prod; declare it once/,
    );
  });

  it("refuses a defaultToken prop (the default token is declared with forDefaultToken), even false", () => {
    for (const defaultToken of [true, false])
      expect(() => new EntitlementToken(stack(), "t", { ...base, defaultToken } as EntitlementTokenProps)).toThrow(
        /defaultToken is not a prop: declare the repository's default token with EntitlementToken\.forDefaultToken/,
      );
    expect(
      EntitlementToken.forDefaultToken(stack(), "d", { owner: "acme", repository: "prod" }).spec.defaultToken,
    ).toBe(true);
  });

  it("takes a name longer than 255 characters (no maximum is documented)", () => {
    const name = "n".repeat(300);
    expect(new EntitlementToken(stack(), "long", { ...base, name }).spec.name).toBe(name);
  });

  it("warns that pathQuery is deprecated", () => {
    const s = stack();
    const t = new EntitlementToken(s, "old", { ...base, limits: { pathQuery: "/npm/*" } });
    Testing.synth(s);
    const warnings = t.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
    expect(warnings.join()).toMatch(/pathQuery is deprecated.*packageQuery/);
  });
});
