/**
 * "No mirror yet" against "repository gone" against "no such route": ShowRemoteMirror for a
 * repository without a mirror is undocumented (a 404, or a 200 with empty fields: both emulator
 * settings), a deleted repository answers 404 CH.004404, and the API gateway 404 APIG.0101.
 * Only the first is ever read as "absent"; nothing is re-created or forgotten on the others.
 */
import { ASSOCIATE, SEED, SOURCE_URL, declaredMirror, mirrorCliFixture } from "../helpers/codearts";

// Each test runs two to four CLI commands: under load (2 cores, other suites) one takes 10-20 s.
jest.setTimeout(180_000);

const fx = mirrorCliFixture();
const { run } = fx;
const mirror = declaredMirror();
const GATEWAY_404 = JSON.stringify({
  error_code: "APIG.0101",
  error_msg: "The API does not exist or has not been published in the environment.",
});

describe.each(["404", "empty200"])(
  "ShowRemoteMirror answers %s for a repository without a mirror",
  (noMirrorResponse) => {
    const seed = async (repositories = SEED.codearts.repositories) => {
      await fx.t.reseed({
        codearts: { ...SEED.codearts, repositories, settings: { ...SEED.codearts.settings, noMirrorResponse } },
      });
    };
    beforeEach(async () => {
      await seed();
      fx.w.declare([mirror]);
    });

    it("plans a create and associates once; the next plan has nothing to do", async () => {
      const plan = await run("plan", "--detailed-exitcode");
      expect(plan.code).toBe(2);
      expect(plan.stdout).toMatch(/\+ RepositoryMirror "app\/mirror"/);
      const apply = await run("apply", "--auto-approve");
      expect(apply.stderr).toBe("");
      expect(apply.code).toBe(0);
      expect(fx.t.count(ASSOCIATE)).toBe(1);
      expect(await fx.t.mirror(123)).toMatchObject({ url: SOURCE_URL, scheduled: true, update_status: "finished" });
      expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
    });

    it("a repository deleted after apply fails plan and apply by name, keeps the state entry, and destroy then forgets it", async () => {
      expect((await run("apply", "--auto-approve")).code).toBe(0);
      await seed(SEED.codearts.repositories.filter((r) => r.id !== 123));
      for (const args of [["plan"], ["apply", "--auto-approve"]]) {
        const r = await run(...args);
        expect(r.code).toBe(1);
        expect(r.stdout).not.toMatch(/\+ RepositoryMirror/);
        expect(r.stderr).toMatch(
          /CodeArts repository 123: 404 CH\.004404 Repository Not Found: CodeArts repository 123 does not exist \(deleted, or a wrong repositoryId\)/,
        );
      }
      expect(fx.t.count(ASSOCIATE)).toBe(0);
      expect(fx.w.state().resources["app/mirror"]).toMatchObject({ id: "123" });

      const destroy = await run("destroy", "--auto-approve");
      expect(destroy.code).toBe(0);
      expect(fx.w.state().resources).toEqual({});
    });

    it("a gateway 404 (APIG.0101) on ShowRemoteMirror is an error naming the endpoint, never an absent mirror", async () => {
      expect((await run("apply", "--auto-approve")).code).toBe(0);
      await fx.t.admin("POST", "/codearts/faults", {
        rules: [{ method: "GET", path: "remote-mirror$", status: 404, times: 20, body: GATEWAY_404 }],
      });
      const plan = await run("plan", "--detailed-exitcode");
      expect(plan.code).toBe(1);
      expect(plan.stdout).not.toMatch(/RepositoryMirror "app\/mirror"/);
      expect(plan.stderr).toMatch(
        /CodeArts repository 123: 404 APIG\.0101 The API does not exist .*; this 404 comes from Huawei Cloud's API gateway, not from CodeArts Repo: .*check HW_CODEARTS_REPO_ENDPOINT/,
      );
      expect(fx.w.state().resources["app/mirror"]).toMatchObject({ id: "123" });
    });

    it("destroy whose switch-off meets a gateway 404 fails and keeps the mirror in state (it still syncs)", async () => {
      expect((await run("apply", "--auto-approve")).code).toBe(0);
      await fx.t.admin("POST", "/codearts/faults", {
        rules: [{ method: "PUT", path: "remote-mirror$", status: 404, times: 20, body: GATEWAY_404 }],
      });
      const destroy = await run("destroy", "--auto-approve");
      expect(destroy.code).toBe(1);
      expect(destroy.stdout + destroy.stderr).toMatch(/404 APIG\.0101/);
      expect(fx.w.state().resources["app/mirror"]).toMatchObject({ id: "123" });
      expect((await fx.t.mirror(123)).scheduled).toBe(true);
    });
  },
);
