import { RepositoryMirrorSpecSchema } from "../../src/resources/repository-mirror-spec";
import { IAM, PUBLIC_URL, SEED, startCodeArtsEmulator, type CodeArtsTestEmulator } from "../helpers/codearts";
import { writeOutdir, type Decl } from "../helpers/outdir";
import { metric, tempDir, testController } from "./helpers";

let ca: CodeArtsTestEmulator;
let w: ReturnType<typeof tempDir>;

beforeAll(async () => {
  ca = await startCodeArtsEmulator();
});
afterAll(() => ca.close());
beforeEach(async () => {
  await ca.reseed(SEED);
  w = tempDir("reposmith-ctl-ca-");
});
afterEach(() => w.cleanup());

const mirror = (id: string, repositoryId: number): Decl => ({
  id,
  kind: "RepositoryMirror",
  spec: RepositoryMirrorSpecSchema.parse({
    repositoryId,
    sourceUrl: PUBLIC_URL,
    waitForSync: { timeout: "30s", pollInterval: "100ms" },
  }),
});
/** Requests the emulator answered on CodeArts Repo (/v4) and IAM (/v3) routes. */
const codeartsRequests = () =>
  Object.entries(ca.emu.stats().requests.byRoute)
    .filter(([route]) => / \/v[34]\//.test(route))
    .reduce((n, [, c]) => n + c, 0);
const controllerOn = (opts: Parameters<typeof testController>[1]) =>
  testController({ apiKey: "cloudsmith-key-unused", env: ca.env }, opts);

describe("reconcile controller with CodeArts mirrors", () => {
  it('counts CodeArts traffic, IAM logins included, in /metrics under api="codearts"', async () => {
    writeOutdir(w.outdir, { app: [mirror("m", 124)] });
    const { controller } = controllerOn({ outdir: w.outdir, store: w.store() });
    const r = await controller.reconcileOnce();
    expect(r.stackErrors).toEqual([]);
    expect(r.stacks[0].applied).toEqual([expect.objectContaining({ key: "app/m", kind: "RepositoryMirror" })]);
    expect(ca.count(IAM)).toBe(1);

    const m = await controller.metrics.text();
    expect(metric(m, 'reposmith_api_requests_total{api="codearts"}')).toBe(codeartsRequests());
    expect(metric(m, 'reposmith_api_requests_total{api="codearts"}')).toBeGreaterThan(ca.count(IAM));
    expect(metric(m, 'reposmith_api_requests_total{api="cloudsmith"}')).toBe(0);
  }, 20_000);

  it("logs in to IAM once over several passes (the token is cached), and counts each request once", async () => {
    writeOutdir(w.outdir, { app: [mirror("m", 124)] });
    const { controller } = controllerOn({ outdir: w.outdir, store: w.store() });
    for (let i = 0; i < 3; i++) expect((await controller.reconcileOnce()).stackErrors).toEqual([]);
    expect(ca.count(IAM)).toBe(1);
    expect(ca.count("GET /v4/repositories/{repository_id}/remote-mirror")).toBeGreaterThanOrEqual(3); // every pass looked
    const m = await controller.metrics.text();
    expect(metric(m, 'reposmith_api_requests_total{api="codearts"}')).toBe(codeartsRequests());
  }, 20_000);
});
