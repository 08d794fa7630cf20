/**
 * Issue 27 item 5: input that cannot hurt. An id or a name an API answers may hold control
 * characters (an escape sequence, a bell, a bidi override): plans, errors and logs show them as
 * `\uXXXX`, never raw; and the controller's logs scrub every value a Secret.fromEnv names, not only
 * variables whose names say KEY, SECRET, TOKEN or PASSWORD.
 */
import path from "node:path";
import { cliFixture, reposmith } from "../helpers/harness";
import { writeOutdir, token } from "../helpers/outdir";

const fx = cliFixture();
/** An escape sequence that would retitle a terminal, a C1 CSI, and a right-to-left override. */
const HOSTILE = "ab\u001b]0;pwned\u0007\u009b2J\u202ecd";
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;

/** From now on the token list answers with the "ci" token's slug_perm and name made hostile. */
async function hostileList(): Promise<void> {
  const list = (await fx.t.api("GET", "/entitlements/acme/prod/?page_size=500")).body as any[];
  const body = JSON.stringify(list.map((x) => (x.name === "ci" ? { ...x, slug_perm: HOSTILE } : x)));
  await fx.t.admin("POST", "/faults", {
    rules: [{ method: "GET", path: "^/entitlements/acme/prod/$", status: 200, body, times: 100 }],
  });
}

describe("control characters from an API", () => {
  beforeEach(async () => {
    await fx.t.admin("POST", "/seed", { tokens: [{ owner: "acme", repository: "prod", name: "ci" }] });
    fx.w.declare([{ id: "ci", props: { owner: "acme", repository: "prod", name: "ci" } }]);
    await hostileList();
  });

  it("are escaped in the plan (a notice quoting the id)", async () => {
    const r = await fx.run("plan");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("acme.prod.ab\\u001b]0;pwned\\u0007\\u009b2J\\u202ecd");
    expect(r.stdout + r.stderr).not.toMatch(RAW);
  });

  it("are escaped in an error (the create refused for the name, naming the token)", async () => {
    const r = await fx.run("apply", "--auto-approve");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists \(acme\.prod\.ab\\u001b\]0;pwned\\u0007\\u009b2J\\u202ecd\)/);
    expect(r.stdout + r.stderr).not.toMatch(RAW);
  });
});

describe("the controller's logs", () => {
  it("scrub a value named by Secret.fromEnv whatever its variable's name, and escape control characters", async () => {
    const outdir = path.join(fx.w.dir, "out");
    writeOutdir(outdir, {
      app: [
        token("ci"),
        {
          id: "mirror",
          kind: "RepositoryMirror",
          spec: {
            repositoryId: 7,
            sourceUrl: "https://git.example.com/app.git",
            credentials: { usernameEnv: "SRC_LOGIN", passwordEnv: "SRC_PASSWORD" },
          },
        },
      ],
    });
    const login = "mirror-login-7d1e3a";
    await fx.t.admin("POST", "/faults", {
      rules: [
        {
          method: "POST",
          path: "^/entitlements/acme/prod/$",
          status: 400,
          body: JSON.stringify({ detail: `refused for ${login} \u009b2J\u202e` }),
          times: 100,
        },
      ],
    });
    const r = await reposmith(["reconcile", "--skip-synth", "--output", outdir, "--state", "state"], {
      cwd: fx.w.dir,
      env: { ...fx.t.env, SRC_LOGIN: login },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/refused for \[REDACTED\]/);
    expect(r.stdout + r.stderr).not.toContain(login);
    expect(r.stdout).not.toMatch(RAW);
  });
});
