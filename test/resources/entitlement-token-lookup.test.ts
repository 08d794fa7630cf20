/** EntitlementToken's per-token helpers that every plan runs 10,000 times: what they answer, edge cases first. */
import { EntitlementTokenSpecSchema, MANAGED_FIELDS, desiredFields } from "../../src/resources/entitlement-token-spec";
import {
  inRepository,
  listedToken,
  observedFields,
  stateSlug,
  toObserved,
  tokensCacheKey,
} from "../../src/resources/entitlement-token-lookup";
import type { CloudsmithClient, RepositoryToken } from "../../src/api/cloudsmith";
import type { ResourceState } from "../../src/resources/types";

const spec = (more: Record<string, unknown> = {}) =>
  EntitlementTokenSpecSchema.parse({ owner: "acme", repository: "prod", name: "ci", ...more });
const state = (id: string): ResourceState =>
  ({ kind: "EntitlementToken", id, generation: "g", spec: {}, observed: {}, appliedAt: "" }) as ResourceState;

describe("inRepository and stateSlug", () => {
  it.each([
    ["acme.prod.T1", true, "T1"],
    ["acme.prod.", false, undefined],
    ["acme.prod", false, undefined],
    ["acme.production.T1", false, undefined],
    ["acme.pro.T1", false, undefined],
    ["acmeco.prod.T1", false, undefined],
    ["acm.prod.T1", false, undefined],
    ["acme-prod.T1", false, undefined],
    ["acme.prod.T1.x", true, undefined],
    ["", false, undefined],
  ])("%s in acme/prod: %s, slug %s", (id, inside, slug) => {
    expect(inRepository(id, "acme", "prod")).toBe(inside);
    expect(stateSlug(state(id), "acme", "prod")).toBe(slug);
  });

  it("no state has no slug", () => {
    expect(stateSlug(undefined, "acme", "prod")).toBeUndefined();
  });
});

describe("observedFields", () => {
  const token = {
    slug_perm: "T1",
    default: false,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-02T00:00:00Z",
    name: "ci",
    is_active: true,
    token: "secret-value",
    limit_num_downloads: 5,
    metadata: { a: 1 },
  } as unknown as RepositoryToken;

  it("keeps every managed field and a few more, in state order, never the token value", () => {
    const fields = observedFields(token, undefined);
    // The order is the state file's: state bytes must not change from one release to the next.
    expect(Object.keys(fields)).toEqual([
      "slug_perm",
      "default",
      "created_at",
      "updated_at",
      ...MANAGED_FIELDS,
      "rotated_at",
      "identifier",
    ]);
    expect(fields).not.toHaveProperty("token");
    expect(JSON.stringify(fields)).not.toContain("secret-value");
  });

  it("reads what the API sent, null for what it left out", () => {
    const fields = observedFields(token, undefined);
    expect(fields).toMatchObject({ slug_perm: "T1", name: "ci", is_active: true, limit_num_downloads: 5 });
    expect(fields.metadata).toEqual({ a: 1 });
    expect(fields.limit_num_clients).toBeNull();
    expect(fields.access_private_broadcasts).toBeNull();
  });

  it("rotated_at is the last rotation when known, else the token's creation", () => {
    expect(observedFields(token, "2026-03-01T00:00:00Z").rotated_at).toBe("2026-03-01T00:00:00Z");
    expect(observedFields(token, undefined).rotated_at).toBe("2026-01-01T00:00:00Z");
  });
});

describe("listedToken and toObserved", () => {
  const token = {
    slug_perm: "T1",
    created_at: "2026-01-01T00:00:00Z",
    name: "ci",
    token: "secret-value",
    self_url: "https://api.cloudsmith.io/entitlements/acme/prod/T1/",
    usage: "0B",
    metadata: { a: 1 },
  } as unknown as RepositoryToken;

  it("a listed token keeps what state keeps and nothing else: not the secret, not the other fields", () => {
    const listed = listedToken(token);
    expect(listed).toEqual(observedFields(token, undefined));
    expect(listed).not.toHaveProperty("token");
    expect(listed).not.toHaveProperty("self_url");
    expect(JSON.stringify(listed)).not.toContain("secret-value");
  });

  it("listing a listed token again changes nothing", () => {
    const listed = listedToken(token);
    expect(listedToken(listed)).toEqual(listed);
  });

  it("a token never rotated (or rotated when it was created) is observed as its listed object, no copy", () => {
    const listed = listedToken(token);
    expect(toObserved("acme", "prod", listed).fields).toBe(listed);
    expect(toObserved("acme", "prod", listed, null).fields).toBe(listed);
    expect(toObserved("acme", "prod", listed, "2026-01-01T00:00:00Z").fields).toBe(listed);
  });

  it("a rotated token is observed as a copy carrying its rotation time; the listed object is unchanged", () => {
    const listed = listedToken(token);
    const o = toObserved("acme", "prod", listed, "2026-03-01T00:00:00Z", true);
    expect(o.fields).not.toBe(listed);
    expect(o.fields).toEqual({ ...listed, rotated_at: "2026-03-01T00:00:00Z" });
    expect(listed.rotated_at).toBe("2026-01-01T00:00:00Z");
    expect(o.adopted).toBe(true);
  });

  it("its id is built from the slug, or the one given (state's, when it already names the token)", () => {
    const listed = listedToken(token);
    expect(toObserved("acme", "prod", listed).id).toBe("acme.prod.T1");
    const known = "acme.prod.T1";
    expect(toObserved("acme", "prod", listed, undefined, false, known).id).toBe(known);
  });
});

describe("desiredFields", () => {
  it("answers for the key asked: its tag names that key", () => {
    const s = spec();
    expect((desiredFields("app/a", s).metadata as Record<string, unknown>).key).toBe("app/a");
    expect((desiredFields("app/b", s).metadata as Record<string, unknown>).key).toBe("app/b");
  });

  it("a default token's declared metadata is a copy: changing it leaves the spec alone", () => {
    const s = spec({ defaultToken: true, name: undefined, metadata: { team: "ci" } });
    const d = desiredFields("app/default", s);
    expect(d.metadata).toEqual({ team: "ci" });
    expect(d.metadata).not.toBe(s.metadata);
  });
});

describe("tokensCacheKey", () => {
  const a = { baseUrl: "https://api.cloudsmith.io" } as CloudsmithClient;
  const b = { baseUrl: "https://cloudsmith.internal" } as CloudsmithClient;

  it("names one list per API, owner and repository", () => {
    const keys = [
      tokensCacheKey(a, "acme", "prod"),
      tokensCacheKey(a, "acme", "dev"),
      tokensCacheKey(a, "other", "prod"),
      tokensCacheKey(b, "acme", "prod"),
    ];
    expect(new Set(keys).size).toBe(4);
    expect(tokensCacheKey(a, "acme", "prod")).toBe(keys[0]);
    expect(keys[0]).toBe("cloudsmith:https://api.cloudsmith.io:entitlements:acme/prod");
  });
});
