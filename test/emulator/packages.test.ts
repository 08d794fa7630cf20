/** The emulator's package routes: seed, search, copy with asynchronous sync, resync, delete — valid against the spec. */
import { Harness, startHarness } from "./helpers";
import { getSpecValidator } from "./spec-validator";

const spec = getSpecValidator({ noAdditionalProperties: true });
let h: Harness;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LEFT_PAD = {
  owner: "acme",
  repository: "staging",
  format: "npm",
  name: "left-pad",
  version: "1.3.0",
  tags: ["release"],
};

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emu.close());
beforeEach(async () => {
  await h.admin("POST", "/reset");
  await h.admin("POST", "/seed", {
    repositories: [
      { owner: "acme", slug: "staging" },
      { owner: "acme", slug: "prod" },
    ],
    packageSync: { durationMs: 300 },
    packages: [
      LEFT_PAD,
      { owner: "acme", repository: "staging", format: "npm", name: "right-pad", version: "2.0.0" },
      {
        owner: "acme",
        repository: "staging",
        format: "python",
        name: "requests",
        version: "2.31.0",
        tags: ["release"],
      },
    ],
  });
});

async function list(repo: string, query?: string) {
  const res = await h.req(
    "GET",
    `/packages/acme/${repo}/?page_size=100${query ? `&query=${encodeURIComponent(query)}` : ""}`,
  );
  expect(res.status).toBe(200);
  return res.body as any[];
}
const slugOf = async (repo: string, name: string) =>
  (await list(repo)).find((p) => p.name === name).slug_perm as string;
async function copy(name: string, body: Record<string, unknown> = { destination: "prod" }) {
  return h.req("POST", `/packages/acme/staging/${await slugOf("staging", name)}/copy/`, { body });
}
async function waitDone(repo: string, slug: string) {
  for (let i = 0; i < 100; i++) {
    const st = (await h.req("GET", `/packages/acme/${repo}/${slug}/status/`)).body;
    if (st.is_sync_completed || st.is_sync_failed) return st;
    await sleep(50);
  }
  throw new Error("sync never finished");
}

describe("emulated packages", () => {
  it("seeds packages with generated checksums, files and a completed sync", async () => {
    const [p] = await list("staging", "name:^left-pad$");
    expect(p).toMatchObject({
      format: "npm",
      name: "left-pad",
      version: "1.3.0",
      filename: "left-pad-1.3.0.tgz",
      repository: "staging",
      namespace: "acme",
    });
    expect(p.checksum_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p).toMatchObject({
      status: 4,
      status_str: "Completed",
      stage: 9,
      stage_str: "Fully Synchronised",
      sync_progress: 100,
      is_sync_completed: true,
      is_sync_failed: false,
    });
    expect(p.tags).toEqual({ info: ["release"] });
    spec.assertResponse("packages_list", 200, [p]);
    expect(Object.keys(p).sort()).toEqual(spec.schemaProperties("Package").sort());
  });

  it.each([
    ["tag:release AND format:npm", ["left-pad"]],
    ["tag:release", ["left-pad", "requests"]],
    ["format:npm AND NOT name:right", ["left-pad"]],
    ["name:left-pad OR name:requests", ["left-pad", "requests"]],
    ["(format:python OR version:>=2) AND NOT tag:release", ["right-pad"]],
    ["version:~=1.3.0", ["left-pad"]],
    ["name:^pad$", []],
    ["pad", ["left-pad", "right-pad"]],
  ])("searches %s", async (query, names) => {
    expect((await list("staging", query)).map((p) => p.name).sort()).toEqual(names);
  });

  it("finds a package by checksum and rejects a malformed query with a 422 naming it", async () => {
    const [p] = await list("staging", "name:^left-pad$");
    expect((await list("staging", `checksum:${p.checksum_sha256}`)).map((x) => x.slug_perm)).toEqual([p.slug_perm]);
    const bad = await h.req("GET", "/packages/acme/staging/?query=" + encodeURIComponent("(name:x"));
    expect(bad.status).toBe(422);
    expect(bad.body.fields.query[0]).toMatch(/parenthesis/);
    expect((await h.req("GET", "/packages/acme/staging/?query=color:red")).body.fields.query[0]).toMatch(
      /unknown field "color"/,
    );
  });

  it("copies into the destination as a new package that syncs through its stages", async () => {
    await h.admin("POST", "/packages/sync", { durationMs: 1000 });
    const res = await copy("left-pad");
    expect(res.status).toBe(200);
    spec.assertResponse("packages_copy", 200, res.body);
    const copied = res.body;
    expect(copied.repository).toBe("prod");
    expect(copied.slug_perm).not.toBe(await slugOf("staging", "left-pad"));
    expect(copied).toMatchObject({ is_sync_completed: false, is_sync_in_flight: true, sync_progress: 0 });
    const seen = new Set<string>([copied.is_sync_awaiting ? "awaiting" : "not awaiting at first"]);
    let st: any;
    for (let i = 0; i < 100; i++) {
      st = (await h.req("GET", `/packages/acme/prod/${copied.slug_perm}/status/`)).body;
      spec.assertResponse("packages_status", 200, st);
      seen.add(
        st.is_sync_awaiting
          ? "awaiting"
          : st.is_sync_in_progress
            ? "in progress"
            : st.is_sync_completed
              ? "completed"
              : "other",
      );
      if (st.is_sync_completed) break;
      await sleep(15);
    }
    expect(seen).toEqual(new Set(["awaiting", "in progress", "completed"]));
    expect(st).toMatchObject({
      status: 4,
      status_str: "Completed",
      stage: 9,
      stage_str: "Fully Synchronised",
      sync_progress: 100,
    });
    expect(Object.keys(st).sort()).toEqual(spec.schemaProperties("PackageStatus").sort());
    const read = await h.req("GET", `/packages/acme/prod/${copied.slug_perm}/`);
    spec.assertResponse("packages_read", 200, read.body);
    expect(read.body.checksum_sha256).toBe(copied.checksum_sha256);
    const state = (await h.admin("GET", "/state")).body;
    expect(state.packages.find((p: any) => p.slug_perm === copied.slug_perm).status_reads).toBeGreaterThan(0);
  });

  it("fails the first N syncs when asked, then a resync succeeds", async () => {
    await h.admin("POST", "/packages/sync", { failTimes: 1, failReason: "Scan failed: upstream timeout" });
    const { body: copied } = await copy("left-pad");
    const failed = await waitDone("prod", copied.slug_perm);
    expect(failed).toMatchObject({
      status: 5,
      status_str: "Failed",
      is_sync_failed: true,
      stage_str: "Scanning Package",
      sync_progress: 45,
      status_reason: "Scan failed: upstream timeout",
    });
    const resync = await h.req("POST", `/packages/acme/prod/${copied.slug_perm}/resync/`);
    expect(resync.status).toBe(200);
    spec.assertResponse("packages_resync", 200, resync.body);
    const again = await h.req("POST", `/packages/acme/prod/${copied.slug_perm}/resync/`);
    expect(again.status).toBe(400); // in flight: wrong state
    spec.assertResponse("packages_resync", 400, again.body);
    expect((await waitDone("prod", copied.slug_perm)).is_sync_completed).toBe(true);
  });

  it("flags a copy onto an existing identical package as a duplicate unless republished", async () => {
    const first = await copy("left-pad");
    await waitDone("prod", first.body.slug_perm);
    const dup = await copy("left-pad");
    const st = await waitDone("prod", dup.body.slug_perm);
    expect(st.is_sync_failed).toBe(true);
    expect(st.status_reason).toMatch(/duplicate/i);
    const re = await copy("left-pad", { destination: "prod", republish: true });
    expect((await waitDone("prod", re.body.slug_perm)).is_sync_completed).toBe(true);
    expect((await list("prod")).map((p) => p.slug_perm)).toEqual([re.body.slug_perm]);
  });

  it("answers 404 for unknown packages and 422 for a bad copy request, as the spec documents", async () => {
    for (const [method, path] of [
      ["GET", "/packages/acme/prod/nope/"],
      ["GET", "/packages/acme/prod/nope/status/"],
      ["DELETE", "/packages/acme/prod/nope/"],
      ["POST", "/packages/acme/prod/nope/resync/"],
    ]) {
      const r = await h.req(method, path);
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ detail: "Not found." });
    }
    const missing = await copy("left-pad", {});
    expect(missing.status).toBe(422);
    spec.assertResponse("packages_copy", 422, missing.body);
    expect(missing.body.fields.destination).toEqual(["This field is required."]);
    expect((await copy("left-pad", { destination: "nowhere" })).body.fields.destination[0]).toMatch(/does not exist/);
  });

  it("refuses to copy a package that is still syncing (wrong state) and deletes with 204", async () => {
    await h.admin("POST", "/seed", {
      packages: [
        {
          owner: "acme",
          repository: "staging",
          format: "raw",
          name: "slow",
          version: "1",
          syncing: true,
          sync: { durationMs: 60_000 },
        },
      ],
    });
    const r = await copy("slow");
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/wrong state/);
    const slug = await slugOf("staging", "slow");
    expect((await h.req("DELETE", `/packages/acme/staging/${slug}/`)).status).toBe(204);
    expect((await h.req("GET", `/packages/acme/staging/${slug}/`)).status).toBe(404);
  });

  it("rejects an invalid sync configuration with the field named", async () => {
    const r = await h.adminRaw("POST", "/packages/sync", { failureRate: 2 });
    expect(r.status).toBe(400);
    expect(r.body.fields.failureRate[0]).toMatch(/from 0 to 1/);
    expect((await h.admin("GET", "/packages/sync")).body.durationMs).toBe(300);
  });
});
