import { isDeepStrictEqual } from "node:util";
import { z, type ZodType } from "zod";
import { inPlaceCheck } from "../../src/util/in-place-check";
import { PackageSchema, PackageStatusSchema } from "../../src/api/cloudsmith/package-schemas";
import { RepositoryTokenSchema, RepositoryTokenSyncSchema } from "../../src/api/cloudsmith/schemas";
import { StackStateSchema } from "../../src/engine/state/types";
import { rng } from "../helpers/random";

const token = {
  name: "ci",
  slug_perm: "aBcD1234",
  identifier: 7,
  token: "************",
  is_active: true,
  eula_required: false,
  limit_bandwidth: null,
  limit_bandwidth_unit: "Byte",
  limit_num_downloads: 100,
  limit_date_range_from: "2026-01-01T00:00:00Z",
  limit_package_query: null,
  scheduled_reset_period: "Never Reset",
  metadata: { "managed-by": "reposmith", key: "s/ci", nested: { a: [1, 2] } },
  eula_accepted: { identifier: "eula", number: 2 },
  default: false,
  clients: 0,
  usage: "0 downloads",
  self_url: "https://api.example/v1/entitlements/acme/prod/aBcD1234/",
};
const pkg = {
  slug_perm: "pkgSlug1",
  name: "left-pad",
  version: "1.0.0",
  format: "npm",
  status_str: "Completed",
  is_sync_completed: true,
  sync_progress: 100,
  checksum_sha256: "ab".repeat(32),
  extra: { any: "thing" },
};

const POOL: unknown[] = [
  null,
  undefined,
  0,
  1,
  -1,
  1.5,
  2 ** 60,
  Number.MAX_SAFE_INTEGER,
  "",
  "x",
  "Byte",
  "Never Reset",
  true,
  false,
  {},
  [],
  [1],
  { a: 1 },
  { identifier: 5 },
];

/** Random variations of `base`: fields dropped, replaced with values of every JSON type, extra fields added. */
function variants(base: Record<string, unknown>, seed: number, count: number): unknown[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const out: unknown[] = [base];
  for (let i = 0; i < count; i++) {
    const v: Record<string, unknown> = structuredClone(base);
    for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
      const key = r() < 0.15 ? pick([`extra_${n}`, "__proto__", "constructor"]) : pick(Object.keys(base));
      if (r() < 0.2) delete v[key];
      // An own property even for "__proto__", as JSON.parse makes it.
      else
        Object.defineProperty(v, key, {
          value: structuredClone(pick(POOL)),
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    out.push(v);
  }
  return out;
}

describe("in-place check of API responses", () => {
  const entry = {
    kind: "EntitlementToken",
    id: "acme.prod.abc",
    generation: "g",
    spec: { owner: "acme" },
    observed: { name: "ci", default: false },
    appliedAt: "2026-01-01T00:00:00Z",
    lifecycle: { deletionPolicy: "retain" },
    connection: { apiKeyEnv: "KEY" },
  };
  const cases: [string, ZodType, Record<string, unknown>][] = [
    ["RepositoryToken", RepositoryTokenSchema, token],
    ["RepositoryTokenSync", RepositoryTokenSyncSchema, { tokens: [token] }],
    ["Package", PackageSchema, pkg],
    ["PackageStatus", PackageStatusSchema, pkg],
    [
      "state document",
      StackStateSchema,
      {
        version: 1,
        stack: "app",
        lineage: "l-1",
        serial: 3,
        resources: { "app/ci": entry, "app/cd": { ...entry, lifecycle: undefined } },
      },
    ],
    ["state entry (stripping object, lengths, strict lifecycle)", StackStateSchema.shape.resources.valueType, entry],
    [
      "object with string length checks",
      z.object({ a: z.string().min(1).max(3), b: z.string().optional().nullable(), c: z.unknown() }),
      { a: "ab", b: null, c: 1 },
    ],
  ];

  // The contract: the check passes exactly the JSON values zod accepts and returns unchanged. It
  // never vouches for one zod rejects or alters (strips a key of), and misses none it keeps as is.
  it.each(cases)("passes exactly what zod keeps unchanged, on 2,000 variations of a %s", (_name, schema, base) => {
    const check = inPlaceCheck(schema)!;
    expect(check).toBeDefined();
    let accepted = 0;
    for (const raw of variants(base, 42, 2000)) {
      const v: unknown = JSON.parse(JSON.stringify(raw)); // what a body or a state file can hold (an own "__proto__" key too)
      const r = schema.safeParse(v);
      const unchanged = r.success && isDeepStrictEqual(r.data, v);
      if (check(v) !== unchanged)
        throw new Error(`check says ${!unchanged}, zod ${r.success ? "changes" : "rejects"}: ${JSON.stringify(v)}`);
      if (unchanged) accepted++;
    }
    // Both kinds were tried.
    expect(accepted).toBeGreaterThan(20);
    expect(accepted).toBeLessThan(2000);
  });

  it("agrees with zod on arrays of tokens, whole or with one bad item", () => {
    const check = inPlaceCheck(z.array(RepositoryTokenSchema))!;
    const items = variants(token, 7, 300);
    for (let i = 0; i < items.length; i += 10) {
      const page = items.slice(i, i + 10);
      expect(check(page)).toBe(z.array(RepositoryTokenSchema).safeParse(page).success);
    }
    expect(check([token, token])).toBe(true);
    expect(check({ 0: token })).toBe(false);
  });

  it("passes an object that is not loose only without unknown keys, which zod would strip or reject", () => {
    const strip = z.object({ a: z.string() });
    expect(inPlaceCheck(strip)!({ a: "x" })).toBe(true);
    expect(inPlaceCheck(strip)!({ a: "x", b: 1 })).toBe(false);
    expect(strip.safeParse({ a: "x", b: 1 }).data).toEqual({ a: "x" });
    expect(inPlaceCheck(z.strictObject({ a: z.string() }))!({ a: "x", b: 1 })).toBe(false);
  });

  it("leaves an object with an own __proto__ key (which zod skips) to zod, at any level it walks", () => {
    const body = JSON.parse('[{"name":"ci","metadata":{"__proto__":{"x":1},"team":"a"}}]');
    expect(inPlaceCheck(z.array(RepositoryTokenSchema))!(body)).toBe(false);
    expect(inPlaceCheck(RepositoryTokenSchema)!(JSON.parse('{"name":"ci","__proto__":{}}'))).toBe(false);
  });

  it("checks keys that are not identifiers by their exact name (the check is generated code)", () => {
    const odd = 'a"]; throw new Error("injected"); //';
    const schema = z.object({
      [odd]: z.number().int(),
      "managed-by": z.literal("reposmith"),
      "\u2028": z.string().optional(),
    });
    const check = inPlaceCheck(schema)!;
    expect(check({ [odd]: 1, "managed-by": "reposmith" })).toBe(true);
    expect(check({ [odd]: 1.5, "managed-by": "reposmith" })).toBe(false);
    expect(check({ [odd]: 1, "managed-by": "other" })).toBe(false);
    expect(check({ [odd]: 1, "managed-by": "reposmith", "\u2028": 3 })).toBe(false);
    expect(check({ a: 1, "managed-by": "reposmith" })).toBe(false);
  });

  it("keeps the body as it is: no copy", () => {
    const body = [structuredClone(token)];
    expect(inPlaceCheck(z.array(RepositoryTokenSchema))!(body)).toBe(true);
    expect(body[0]).toEqual(token); // untouched
  });

  it.each<[string, ZodType]>([
    ["a default", z.looseObject({ a: z.number().default(1) })],
    ["a transform", z.looseObject({ a: z.string().transform((s) => s.trim()) })],
    ["a refinement", z.looseObject({ a: z.string() }).refine((o) => o.a !== "x")],
    ["an overwrite (trim)", z.looseObject({ a: z.string().trim() })],
    ["a string pattern", z.looseObject({ a: z.string().regex(/^a/) })],
    ["a preprocess", z.looseObject({ a: z.preprocess((v) => v, z.string()) })],
    ["a catchall other than unknown", z.object({ a: z.string() }).catchall(z.string())],
    ["an exclusive bound", z.looseObject({ a: z.number().gt(0) })],
  ])("leaves a schema with %s to zod", (_what, schema) => {
    expect(inPlaceCheck(schema)).toBeUndefined();
  });
});
