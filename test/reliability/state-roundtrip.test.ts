/**
 * State is only a cache if what it keeps survives being read back: every resource's connection (a
 * CodeArtsConnection's endpoint and variable names included) must come out of a read as it went in,
 * or a removed resource is later observed and deleted through the wrong endpoint.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { CodeArtsConnection, RepositoryMirror, Secret } from "../../src";
import { applyAll, emptyState, FileStateStore } from "../../src/engine";
import { SEED, SOURCE_URL, startCodeArtsEmulator, type CodeArtsTestEmulator } from "../helpers/codearts";

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "reposmith-roundtrip-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("state round trip", () => {
  it("keeps every part of a connection through write and read", async () => {
    const store = new FileStateStore(dir);
    const connection = {
      apiUrl: "http://127.0.0.1:9/v1",
      apiKeyEnv: "CS_KEY",
      codearts: {
        region: "cn-north-4",
        endpoint: "http://127.0.0.1:9",
        authUrl: "http://127.0.0.1:9/v3",
        userEnv: "U",
        passwordEnv: "P",
        mirroringEnabledInverted: true,
      },
    };
    const entry = {
      kind: "RepositoryMirror",
      id: "123",
      generation: "g",
      spec: {},
      observed: {},
      appliedAt: "2026-01-01T00:00:00Z",
      connection,
    };
    await store.write({ ...emptyState("app"), resources: { "app/m": entry } });
    const back = await store.read("app");
    expect(back.resources["app/m"].connection).toEqual(connection);
    // And again: a second write from what was read loses nothing either.
    await store.write(back);
    expect((await store.read("app")).resources["app/m"].connection).toEqual(connection);
  });

  describe("against the emulator", () => {
    let t: CodeArtsTestEmulator;
    beforeAll(async () => {
      t = await startCodeArtsEmulator();
    });
    afterAll(() => t.close());

    it("removes a RepositoryMirror through its CodeArtsConnection's endpoints, not the environment's", async () => {
      await t.reseed(SEED);
      const outdir = path.join(dir, "cdktf.out");
      const synth = (withMirror: boolean) => {
        const app = new App({ outdir });
        const stack = new TerraformStack(app, "app");
        new CodeArtsConnection(stack, "codearts", {
          region: "cn-north-4",
          endpoint: t.emu.url,
          authUrl: `${t.emu.url}/v3`,
        });
        if (withMirror) {
          new RepositoryMirror(stack, "mirror", {
            repositoryId: 123,
            sourceUrl: SOURCE_URL,
            credentials: { username: Secret.fromEnv("GIT_USER"), password: Secret.fromEnv("GIT_PASSWORD") },
            waitForSync: { pollInterval: "50ms", timeout: "30s" },
            deletionPolicy: "delete",
          });
        }
        app.synth();
      };
      // The environment points somewhere else entirely: only the construct's connection reaches the emulator.
      const env = { ...t.env, HW_CODEARTS_REPO_ENDPOINT: "http://127.0.0.1:1", HW_AUTH_URL: "http://127.0.0.1:1/v3" };
      const store = new FileStateStore(path.join(dir, "state"));
      const opts = { outdir, store, env, codeartsOptions: { retryBaseMs: 5, maxRetries: 1 } };
      synth(true);
      expect((await applyAll(opts)).results[0].failed).toEqual([]);
      // A no-op apply reads the state and writes it back.
      expect((await applyAll(opts)).results[0].failed).toEqual([]);
      expect((await store.read("app")).resources["app/mirror"].connection?.codearts).toMatchObject({
        endpoint: t.emu.url,
      });

      synth(false);
      const removal = await applyAll(opts);
      expect(removal.results[0].failed.map((f) => String((f.error as Error).message))).toEqual([]);
      expect((await store.read("app")).resources).toEqual({});
      expect((await t.mirror(123)).scheduled).toBe(false);
    });
  });
});
