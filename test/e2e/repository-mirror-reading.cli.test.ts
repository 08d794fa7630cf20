/**
 * CodeArts' `mirroring_enabled`: the update API documents `true` as "scheduled sync NOT enabled".
 * reposmith follows that by default, the emulator too, and every plan and apply that switches
 * scheduled sync (an update, destroy, the old repository of a replacement) says what it sends
 * under which reading. Both readings, each with the emulator set the same way.
 */
import { PUBLIC_URL, PUT, declaredMirror as mirror, mirrorCliFixture } from "../helpers/codearts";

// Each test runs three or four CLI commands: under load (2 cores, other suites) one takes 10-20 s.
jest.setTimeout(180_000);

const fx = mirrorCliFixture();
const { run } = fx;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const readings = [
  {
    reading: "true-means-off (the default, as documented)",
    emulator: {},
    connection: undefined,
    /** What switching scheduled sync off sends, and how the plan says so. */
    off: `sends mirroring_enabled=true (documented reading, the default: true = scheduled sync off; CodeArtsConnection mirroringEnabledReading: "true-means-on" reads it the other way)`,
    rawWhenOn: false,
  },
  {
    reading: "true-means-on (set on both sides)",
    emulator: { mirroringEnabledReading: "true-means-on" },
    connection: { mirroringEnabledReading: "true-means-on" },
    off: `sends mirroring_enabled=false (against the update API's documentation, set by CodeArtsConnection mirroringEnabledReading: "true-means-on": true = scheduled sync on)`,
    rawWhenOn: true,
  },
];

describe.each(readings)("mirroring_enabled read as $reading", ({ emulator, connection, off, rawWhenOn }) => {
  beforeEach(async () => {
    await fx.t.admin("POST", "/codearts/settings", emulator);
  });

  it("creates with scheduled sync on, and destroy switches it off, the plan and the output saying what is sent", async () => {
    fx.w.declare([mirror()], connection);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await fx.t.mirror(123)).toMatchObject({ scheduled: true, mirroring_enabled: rawWhenOn });
    expect(fx.w.state().resources["app/mirror"].observed).toMatchObject({
      scheduled_sync: true,
      mirroring_enabled: rawWhenOn,
    });
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);

    const plan = await run("plan", "--destroy");
    expect(plan.stdout).toMatch(
      new RegExp(
        `note: the CodeArts API cannot delete a mirror: reposmith switches scheduled sync off for repository 123 \\(${esc(off)}\\) and stops managing it; the mirror link remains`,
      ),
    );
    const destroy = await run("destroy", "--auto-approve");
    expect(destroy.code).toBe(0);
    expect(destroy.stderr).toContain(off);
    expect(await fx.t.mirror(123)).toMatchObject({ scheduled: false, mirroring_enabled: !rawWhenOn });
  });

  it("an update that switches scheduled sync off says what it sends", async () => {
    fx.w.declare([mirror()], connection);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    fx.w.declare([mirror({ scheduledSync: false })], connection);
    const plan = await run("plan");
    expect(plan.stdout).toMatch(/~ scheduled_sync\s+= true -> false/);
    expect(plan.stdout).toContain(`note: switches scheduled sync off: ${off}`);
    const puts = fx.t.count(PUT);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(fx.t.count(PUT)).toBe(puts + 1);
    expect(await fx.t.mirror(123)).toMatchObject({ scheduled: false, mirroring_enabled: !rawWhenOn });
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("a replaced repositoryId: the plan and the output say what the old repository is sent", async () => {
    fx.w.declare([mirror()], connection);
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    fx.w.declare([mirror({ repositoryId: 124, sourceUrl: PUBLIC_URL, credentials: undefined })], connection);
    const replace = await run("plan");
    expect(replace.stdout).toMatch(/repository_id\s+= 123 -> 124 # forces replacement/);
    expect(replace.stdout).toContain(
      `note: the replaced 123: the CodeArts API cannot delete a mirror: reposmith switches scheduled sync off for repository 123 (${off})`,
    );
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    expect(apply.stderr).toContain(
      `CodeArts repository 123: the CodeArts API cannot delete a mirror: reposmith switches scheduled sync off for repository 123 (${off})`,
    );
    expect(await fx.t.mirror(123)).toMatchObject({ scheduled: false, mirroring_enabled: !rawWhenOn });
    expect(await fx.t.mirror(124)).toMatchObject({ scheduled: true, mirroring_enabled: rawWhenOn });
  });
});
