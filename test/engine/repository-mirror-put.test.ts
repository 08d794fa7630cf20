/**
 * Issue 27 item 6: the CodeArts mirror PUT sends only what UpdateRepositoryRemoteMirror documents,
 * and never an empty endpoint_uuid (what "" does is not documented: the emulator's
 * emptyEndpointUuid setting serves both readings). With a server that refuses it, a mirror without
 * an endpoint is created and updated all the same; with one whose PUT resets what it leaves out
 * (putOmittedFields), a declared endpoint is sent on every PUT and survives.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App, TerraformStack } from "cdktf";
import { RepositoryMirror } from "../../src";
import { applyAll, FileStateStore, planAll } from "../../src/engine";
import { PUBLIC_URL, PUT, SEED, startCodeArtsEmulator, type CodeArtsTestEmulator } from "../helpers/codearts";

let ca: CodeArtsTestEmulator;
let dir: string;
beforeAll(async () => {
  ca = await startCodeArtsEmulator();
});
afterAll(() => ca.close());
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "reposmith-put-"));
  await ca.reseed(SEED);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const failuresOf = (run: Awaited<ReturnType<typeof applyAll>>) => run.results.flatMap((r) => r.failed);
const opts = () => ({
  outdir: path.join(dir, "cdktf.out"),
  store: new FileStateStore(path.join(dir, "state")),
  env: ca.env,
  codeartsOptions: { retryBaseMs: 5, maxRetries: 1 },
});
const declare = (props: Record<string, unknown> = {}) => {
  const app = new App({ outdir: path.join(dir, "cdktf.out") });
  new RepositoryMirror(new TerraformStack(app, "app"), "mirror", {
    repositoryId: 124,
    sourceUrl: PUBLIC_URL,
    waitForSync: { pollInterval: "50ms", timeout: "30s" },
    ...props,
  });
  app.synth();
};

it("a server that refuses an empty endpoint_uuid: a mirror without one is created, then updated, without sending one", async () => {
  await ca.admin("POST", "/codearts/settings", { emptyEndpointUuid: "refused" });
  declare({ scheduledSync: true });
  expect(failuresOf(await applyAll(opts()))).toEqual([]);
  declare({ scheduledSync: false });
  expect(failuresOf(await applyAll(opts()))).toEqual([]);
  expect(ca.count(PUT)).toBeGreaterThanOrEqual(2);
  expect((await ca.mirror(124)).endpoint_uuid).toBe("");
  expect((await planAll(opts())).plan.stacks[0].resources[0].action).toBe("noop");
});

it("a server whose PUT resets what it leaves out: the declared endpoint is sent on every PUT and stays", async () => {
  await ca.admin("POST", "/codearts/settings", { putOmittedFields: "reset" });
  await ca.admin("POST", "/seed", { codearts: { endpoints: [{ uuid: "ep-1", username: "u", password: "p" }] } });
  declare({ endpointUuid: "ep-1", scheduledSync: true });
  expect(failuresOf(await applyAll(opts()))).toEqual([]);
  declare({ endpointUuid: "ep-1", scheduledSync: false });
  expect(failuresOf(await applyAll(opts()))).toEqual([]);
  expect((await ca.mirror(124)).endpoint_uuid).toBe("ep-1");
  expect((await planAll(opts())).plan.stacks[0].resources[0].action).toBe("noop");
});
