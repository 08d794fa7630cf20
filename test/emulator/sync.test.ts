/** entitlements_sync: destructive replacement of a repository's tokens by copies of another's. */
import { Harness, startHarness } from "./helpers";

let h: Harness;
beforeEach(async () => {
  h = await startHarness({
    seed: {
      repositories: [
        { owner: "acme", slug: "src" },
        { owner: "acme", slug: "dst" },
        { owner: "other", slug: "src" },
      ],
      tokens: [
        {
          owner: "acme",
          repository: "src",
          name: "ci",
          token: "CiSecretValue001",
          limit_num_downloads: 100,
          metadata: { k: "v" },
        },
        { owner: "acme", repository: "src", name: "qa", is_active: false },
        { owner: "acme", repository: "dst", name: "old" },
      ],
    },
  });
});
afterEach(() => h.emu.close());

const list = async (repo: string) =>
  (await h.req("GET", `/entitlements/acme/${repo}/?show_tokens=true&page_size=500`)).body;

describe("sync", () => {
  it("replaces the target's tokens with copies of the source's under new slug_perms", async () => {
    const source = await list("src");
    const before = await list("dst");
    const res = await h.req("POST", "/entitlements/acme/dst/sync/?show_tokens=true", { body: { source: "src" } });
    expect(res.status).toBe(200);
    const after = await list("dst");
    expect(res.body.tokens.map((t: { slug_perm: string }) => t.slug_perm)).toEqual(
      after.map((t: { slug_perm: string }) => t.slug_perm),
    );
    expect(after.map((t: { name: string }) => t.name)).toEqual(["Default", "ci", "qa"]);
    const oldPerms = new Set([...before, ...source].map((t: { slug_perm: string }) => t.slug_perm));
    expect(after.some((t: { slug_perm: string }) => oldPerms.has(t.slug_perm))).toBe(false);
    const ci = after.find((t: { name: string }) => t.name === "ci");
    expect(ci).toMatchObject({ token: "CiSecretValue001", limit_num_downloads: 100, metadata: { k: "v" } });
    expect(after.find((t: { name: string }) => t.name === "qa").is_active).toBe(false);
    for (const t of before) expect((await h.req("GET", `/entitlements/acme/dst/${t.slug_perm}/`)).status).toBe(404);
    expect(await list("src")).toEqual(source);
  });

  it("sends pagination headers for the synced set", async () => {
    const res = await h.req("POST", "/entitlements/acme/dst/sync/", { body: { source: "src" } });
    expect(res.headers.get("x-pagination-count")).toBe("3");
    expect(res.body.tokens.every((t: { token: string }) => t.token === "************")).toBe(true);
  });

  it("answers 404 for an unknown source or target", async () => {
    expect((await h.req("POST", "/entitlements/acme/dst/sync/", { body: { source: "nope" } })).status).toBe(404);
    expect((await h.req("POST", "/entitlements/acme/nope/sync/", { body: { source: "src" } })).status).toBe(404);
  });

  it("answers 422 when source is missing", async () => {
    const res = await h.req("POST", "/entitlements/acme/dst/sync/", { body: {} });
    expect(res.status).toBe(422);
    expect(res.body.fields.source).toEqual(["This field is required."]);
  });

  it("answers the looser 422 shape for the same repository or another namespace", async () => {
    for (const source of ["dst", "other/src"]) {
      const res = await h.req("POST", "/entitlements/acme/dst/sync/", { body: { source } });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        code: "invalid",
        detail: "Invalid input.",
        fields: { source: { detail: expect.any(String) } },
      });
    }
    expect((await list("dst")).map((t: { name: string }) => t.name)).toEqual(["Default", "old"]);
  });
});
