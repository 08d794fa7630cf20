import { reposmith } from "../helpers/harness";
import {
  ASSOCIATE,
  IAM,
  IAM_PASSWORD,
  PUBLIC_URL,
  PUT,
  SEED,
  SOURCE_PASSWORD,
  SOURCE_URL,
  SOURCE_USER,
  START,
  b64,
  declaredMirror as mirror,
  mirrorCliFixture,
} from "../helpers/codearts";

const fx = mirrorCliFixture();
const { run } = fx;
const runWith = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  reposmith([...args, ...fx.w.args], { cwd: fx.w.dir, env });
/** Until the repository's sync has ended ("scheduled" -> "started" -> "finished" | "failed"; at most 10 s), instead of sleeping its whole duration. */
async function syncEnded(id: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50)))
    if (!["scheduled", "started"].includes((await fx.t.mirror(id)).update_status)) return;
}

describe("RepositoryMirror through the reposmith CLI against the emulator", () => {
  it("creates: associates, configures, starts one sync with base64 credentials and waits; then plans and writes nothing", async () => {
    fx.w.declare([mirror({ syncBranchType: "default" })]);
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/\+ RepositoryMirror "app\/mirror"/);
    expect(plan.stdout).toMatch(/credentials\s+= \{"password":"\$GIT_PASSWORD","username":"\$GIT_USER"\}/);
    expect(plan.stdout).toMatch(/Plan: 1 to add, 0 to change, 0 to destroy\./);

    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/app\/mirror: Creation complete \[id=123\]/);
    expect([fx.t.count(ASSOCIATE), fx.t.count(PUT), fx.t.count(START)]).toEqual([1, 1, 1]);

    const m = await fx.t.mirror(123);
    expect(m).toMatchObject({
      url: SOURCE_URL,
      update_status: "finished",
      scheduled: true,
      sync_branch_type: "default",
      number_of_failures: 0,
    });
    expect(m.last_successful_update_at).toBeTruthy();
    // The request body carries the credentials base64-encoded (docs/api/codearts-repo.md#start-synchronization), and force_fetch.
    expect(m.starts).toHaveLength(1);
    expect(m.starts[0].body).toEqual({
      username: b64(SOURCE_USER),
      password: b64(SOURCE_PASSWORD),
      force_fetch: false,
    });
    const rs = fx.w.state().resources["app/mirror"];
    expect(rs).toMatchObject({ kind: "RepositoryMirror", id: "123" });
    expect(rs.observed).toMatchObject({
      url: SOURCE_URL,
      scheduled_sync: true,
      update_status: "finished",
      last_error: null,
    });
    expect(rs.observed.last_jid).toBe(m.starts[0].jid);

    const again = await run("plan", "--detailed-exitcode");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    const writes = [fx.t.count(ASSOCIATE), fx.t.count(PUT), fx.t.count(START)];
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect([fx.t.count(ASSOCIATE), fx.t.count(PUT), fx.t.count(START)]).toEqual(writes);
  });

  it("starts exactly one sync when a syncTriggers value changes, and no PUT", async () => {
    fx.w.declare([mirror({ syncTriggers: { release: "2026.03" } })]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const [starts, puts] = [fx.t.count(START), fx.t.count(PUT)];

    fx.w.declare([mirror({ syncTriggers: { release: "2026.04" } })]);
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/~ sync_triggers\s+= \{"release":"2026.03"\} -> \{"release":"2026.04"\}/);
    expect(plan.stdout).toMatch(/note: starts a synchronization of repository 123 and waits for it \(up to 30s\)/);
    expect(plan.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy\./);
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    expect(fx.t.count(START)).toBe(starts + 1);
    expect(fx.t.count(PUT)).toBe(puts);
    expect((await fx.t.mirror(123)).starts).toHaveLength(2);
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("renews an IAM token that expires mid-run once per expiry, and the calls succeed", async () => {
    // Tokens die after 400 ms although expires_at promises 24 h (as after a password change): only the API's 401 tells.
    await fx.t.admin("POST", "/codearts/settings", {
      tokenTtlMs: 400,
      advertisedTtlMs: 86_400_000,
      queueMs: 100,
      syncMs: 900,
    });
    fx.w.declare([mirror()]);
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    const { counters } = await fx.t.state();
    expect(counters.expiredRejections).toBeGreaterThanOrEqual(1);
    // Each 401 DEV.00000003 led to exactly one new token: no second login, no loop.
    expect(counters.tokensIssued).toBe(counters.expiredRejections + 1);
    expect(fx.t.count(IAM)).toBe(counters.tokensIssued);
    expect((await fx.t.mirror(123)).update_status).toBe("finished");
  });

  it("names the repository and the code in 404 (plan) and 403 (apply) errors", async () => {
    fx.w.declare([mirror({ repositoryId: 999 })]);
    const missing = await run("plan");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/CodeArts repository 999: 404 CH\.004404 Repository Not Found/);

    await fx.t.admin("POST", "/codearts/permissions", { repository_id: 123, deny: ["setRepository"] });
    fx.w.declare([mirror()]);
    const denied = await run("apply", "--auto-approve");
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/CodeArts repository 123: 403 CH\.004403 Insufficient permissions/);
  });

  it("a 401 CH.080401 (no permission) on the sync start names the repository and what to grant, not the credentials", async () => {
    fx.w.declare([mirror()]);
    const body = JSON.stringify({ error_code: "CH.080401", error_msg: "No permission to access the resource." });
    await fx.t.admin("POST", "/codearts/faults", {
      rules: [{ method: "POST", path: "remote-mirror$", status: 401, times: 1, body }],
    });
    const r = await run("apply", "--auto-approve");
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /CodeArts repository 123: 401 CH\.080401 No permission to access the resource\.; the credentials were accepted, but the IAM user has no permission on this repository/,
    );
    expect(r.stderr).not.toMatch(/rejected the credentials|check HW_/);
  });

  it("a wrong IAM password: one line naming the HW_* variables to check, not CLOUDSMITH_API_KEY", async () => {
    fx.w.declare([mirror()]);
    const r = await runWith({ ...fx.t.env, HW_USER_PASSWORD: "Wrong-Password-123" }, "plan");
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      "Error: the API rejected the credentials (401 The username or password is wrong.); check HW_DOMAIN_NAME, HW_USER_NAME and HW_USER_PASSWORD",
    ]);
    expect(r.stdout + r.stderr).not.toContain("Wrong-Password-123");
  });

  it("reports a failed sync with last_error (wrong credentials), in apply, plan and drift, and recovers", async () => {
    fx.w.declare([mirror()]);
    const wrong = await runWith({ ...fx.t.env, GIT_PASSWORD: "not-the-password" }, "apply", "--auto-approve");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /CodeArts repository 123: mirror sync failed \(jid [0-9a-f-]+\) after 1 failure\(s\): remote: HTTP Basic: Access denied fatal: Authentication failed/,
    );
    expect(await fx.t.mirror(123)).toMatchObject({ update_status: "failed", number_of_failures: 1 });

    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(
      /~ last_error\s+= "remote: HTTP Basic: Access denied\\nfatal: Authentication failed for 'https:\/\/git.example.com\/app.git'" -> null/,
    );
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);

    // Later the source becomes unreachable and a triggered sync fails: drift reports the health problem.
    await fx.t.admin("POST", "/codearts/sources", { url: SOURCE_URL, unreachable: true });
    fx.w.declare([mirror({ syncTriggers: { n: "2" } })]);
    expect((await run("apply", "--auto-approve")).code).toBe(1);
    const drift = await run("drift", "--json");
    expect(drift.code).toBe(2);
    const item = JSON.parse(drift.stdout).drifted[0];
    expect(item).toMatchObject({ key: "app/mirror", status: "changed" });
    expect(item.changes).toEqual([
      {
        path: "last_error",
        old: null,
        new: expect.stringMatching(/unable to access 'https:\/\/git.example.com\/app.git'/),
        effect: "update",
      },
    ]);
  });

  it("corrects settings changed out of band: scheduled sync by PUT alone, the url by PUT and a re-sync", async () => {
    fx.w.declare([mirror()]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    await fx.t.admin("POST", "/codearts/mirror", { repository_id: 123, scheduled: false });
    const drift = await run("drift");
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(/scheduled_sync\s+= true -> false/);
    let [starts, puts] = [fx.t.count(START), fx.t.count(PUT)];
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect([fx.t.count(PUT), fx.t.count(START)]).toEqual([puts + 1, starts]);
    expect((await fx.t.mirror(123)).scheduled).toBe(true);

    await fx.t.admin("POST", "/codearts/mirror", { repository_id: 123, url: "https://git.example.com/other.git" });
    const plan = await run("plan");
    expect(plan.stdout).toMatch(
      /~ url\s+= "https:\/\/git.example.com\/other.git" -> "https:\/\/git.example.com\/app.git"/,
    );
    [starts, puts] = [fx.t.count(START), fx.t.count(PUT)];
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect([fx.t.count(PUT), fx.t.count(START)]).toEqual([puts + 1, starts + 1]);
    expect(await fx.t.mirror(123)).toMatchObject({ scheduled: true, url: SOURCE_URL, update_status: "finished" });
    expect((await run("drift")).code).toBe(0);
  });

  it("a password typed into the mirror's URL in the console never reaches plans, drift or state, and is corrected", async () => {
    fx.w.declare([mirror()]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const typed = "Console-Typed-Pa55-3e8a";
    await fx.t.admin("POST", "/codearts/mirror", {
      repository_id: 123,
      url: `https://bob:${typed}@git.example.com/app.git`,
    });
    const plan = await run("plan");
    expect(plan.stdout).toMatch(
      /~ url\s+= "https:\/\/\*\*\*@git.example.com\/app.git" -> "https:\/\/git.example.com\/app.git"/,
    );
    const drift = await run("drift", "--json");
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await fx.t.mirror(123)).url).toBe(SOURCE_URL);
    for (const out of [plan.stdout, plan.stderr, drift.stdout, drift.stderr, ...fx.w.allFiles().map((f) => f.text)])
      expect(out).not.toContain(typed);
  });

  it("an endpoint_uuid set by hand is reported, never cleared with an empty endpoint_uuid the PUT page does not document", async () => {
    fx.w.declare([mirror()]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    await fx.t.admin("POST", "/codearts/settings", { emptyEndpointUuid: "refused" });
    await fx.t.admin("POST", "/codearts/mirror", { repository_id: 123, endpoint_uuid: "ep-by-hand" });
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(0);
    expect(plan.stdout + plan.stderr).toMatch(
      /mirror uses service endpoint ep-by-hand, which the RepositoryMirror does not declare; the update API documents no way to clear it/,
    );
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await fx.t.mirror(123)).endpoint_uuid).toBe("ep-by-hand");
  });

  it("a changed repositoryId replaces the mirror, also onto a repository that already has one: the new one is configured and synced, the old one's scheduled sync is switched off", async () => {
    // Repository 124 already mirrors something (set up here, then forgotten by reposmith).
    fx.w.declare([
      mirror({ scheduledSync: true }),
      {
        id: "other",
        props: { repositoryId: 124, sourceUrl: PUBLIC_URL, waitForSync: { pollInterval: "50ms", timeout: "30s" } },
      },
    ]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(
      (await reposmith(["state", "rm", "app/other", "--state", "state"], { cwd: fx.w.dir, env: fx.t.env })).code,
    ).toBe(0);
    const startsBefore = (await fx.t.mirror(124)).starts.length;

    fx.w.declare([mirror({ repositoryId: 124, scheduledSync: true })]);
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/must be replaced/);
    expect(plan.stdout).toMatch(/repository_id\s+= 123 -> 124 # forces replacement/);
    expect(plan.stdout).toMatch(/Plan: 1 to add, 0 to change, 1 to destroy\./);
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    expect(await fx.t.mirror(124)).toMatchObject({ url: SOURCE_URL, scheduled: true, update_status: "finished" });
    expect((await fx.t.mirror(124)).starts).toHaveLength(startsBefore + 1);
    expect((await fx.t.mirror(123)).scheduled).toBe(false);
    expect(fx.w.state().resources["app/mirror"].id).toBe("124");
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("a sync that outlives waitForSync.timeout fails the apply, but is recorded: the next plan checks on it instead of starting another", async () => {
    fx.w.declare([mirror()]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    await fx.t.admin("POST", "/codearts/settings", { queueMs: 50, syncMs: 2_500 });
    fx.w.declare([mirror({ forceFetch: true, waitForSync: { pollInterval: "50ms", timeout: "1s" } })]);
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(1);
    expect(apply.stdout + apply.stderr).toMatch(/did not finish within 1s/);
    const starts = (await fx.t.mirror(123)).starts.length;
    expect(fx.w.state().resources["app/mirror"].spec).toMatchObject({ forceFetch: true });
    // Still running: nothing to do; finished: still nothing to do, and no second sync either way.
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
    await syncEnded(123);
    expect((await fx.t.mirror(123)).update_status).toBe("finished");
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await fx.t.mirror(123)).starts).toHaveLength(starts);
  });

  it("Ctrl-C while waiting on a sync: exits 130 after recording the running sync, and the re-apply starts no second one", async () => {
    fx.w.declare([mirror()]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    await fx.t.admin("POST", "/codearts/settings", { queueMs: 50, syncMs: 3_000 });
    fx.w.declare([mirror({ syncTriggers: { release: "5" } })]);
    const starts = (await fx.t.mirror(123)).starts.length;
    const apply = await reposmith(["apply", "--auto-approve", ...fx.w.args], {
      cwd: fx.w.dir,
      env: fx.t.env,
      interrupt: { when: /app\/mirror: Modifying/ },
    });
    expect(apply.code).toBe(130);
    expect(apply.stderr).toMatch(/Interrupt received: finishing what is in flight and saving state/);
    expect(apply.stderr).toMatch(/was still running when the wait was interrupted/);
    expect(apply.stdout).toMatch(
      /Apply interrupted: 0 added, 0 changed, 0 destroyed; 1 stopped while waiting, 0 not started/,
    );
    expect((await fx.t.mirror(123)).starts).toHaveLength(starts + 1);
    expect(fx.w.state().resources["app/mirror"].spec).toMatchObject({ syncTriggers: { release: "5" } });
    // The sync it started is the one the next runs wait on: no second start, running or finished.
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
    await syncEnded(123);
    expect((await fx.t.mirror(123)).update_status).toBe("finished");
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await fx.t.mirror(123)).starts).toHaveLength(starts + 1);
  });

  it("destroy switches scheduled sync off and says the mirror link remains", async () => {
    fx.w.declare([mirror()]);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    const plan = await run("plan", "--destroy");
    expect(plan.stdout).toMatch(/- RepositoryMirror "app\/mirror"/);
    expect(plan.stdout).toMatch(
      /note: the CodeArts API cannot delete a mirror: .*scheduled sync off.*the mirror link remains/,
    );
    const destroy = await run("destroy", "--auto-approve");
    expect(destroy.code).toBe(0);
    expect(destroy.stderr).toMatch(/mirror link remains/);
    expect(await fx.t.mirror(123)).toMatchObject({ scheduled: false, url: SOURCE_URL });
    expect(fx.w.state().resources).toEqual({});
    // Nothing left to do: a second look has no changes, and a second destroy neither writes nor warns.
    const again = await run("plan", "--destroy", "--detailed-exitcode");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    const second = await run("destroy", "--auto-approve");
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/mirror link remains/);
  });

  it("keeps the IAM password, tokens and source credentials out of synth output, plans, logs and state", async () => {
    fx.w.declare([mirror()]);
    const outputs = [
      await run("plan"),
      await run("apply", "--auto-approve"),
      await run("plan", "--json"),
      await run("drift", "--json"),
    ];
    const synth = fx.w.allFiles().filter((f) => f.file.includes("cdktf.out"));
    expect(synth.some((f) => f.text.includes("GIT_PASSWORD"))).toBe(true); // the reference is there...
    const tokens = (await fx.t.state()).tokens.map((x: any) => x.value as string);
    expect(tokens.length).toBeGreaterThan(0);
    const haystack = [...outputs.flatMap((o) => [o.stdout, o.stderr]), ...fx.w.allFiles().map((f) => f.text)].join(
      "\n",
    );
    for (const secret of [
      IAM_PASSWORD,
      SOURCE_PASSWORD,
      SOURCE_USER,
      b64(SOURCE_PASSWORD),
      b64(SOURCE_USER),
      ...tokens,
    ]) {
      expect(haystack).not.toContain(secret); // ...never a value
    }
  });
});
