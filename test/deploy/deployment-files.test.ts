/**
 * The files to run reposmith in production (deploy/, examples/ci/), checked without a container
 * runtime or a cluster (neither exists where the tests run): the Kubernetes manifests against the
 * Kubernetes API schemas (kubernetes-models) and field by field, the GitHub workflows with
 * action-validator (GitHub's workflow schema), the GitLab pipeline field by field against GitLab's
 * documented keywords, the Dockerfile with dockerfile-utils' linter and field by field, and every
 * `reposmith` command line in them against the real command line's flags.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { validateWorkflow } from "@action-validator/core";
import type { Command } from "commander";
import { DockerfileParser } from "dockerfile-ast";
import { validate as lintDockerfile } from "dockerfile-utils";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { buildProgram } from "../../src/cli/main";

const ROOT = path.resolve(__dirname, "../..");
const K8S = path.join(ROOT, "deploy", "kubernetes");
const GITHUB = path.join(ROOT, "examples", "ci", "github");
const GITLAB = path.join(ROOT, "examples", "ci", "gitlab", ".gitlab-ci.yml");
const DOCKERFILE = path.join(ROOT, "deploy", "Dockerfile");

const yamlDocs = (file: string): any[] =>
  parseAllDocuments(readFileSync(file, "utf8"))
    .map((d) => d.toJS() as any)
    .filter(Boolean);
const manifest = (file: string) => yamlDocs(path.join(K8S, file))[0];

/** Runs validate-k8s.mjs (kubernetes-models is ES modules only) over `files`. */
function validateManifests(files: string[]): { file: string; kind: string; name: string; errors: string[] }[] {
  const out = execFileSync(process.execPath, [path.join(__dirname, "validate-k8s.mjs"), ...files], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return JSON.parse(out);
}

/** `reposmith ARGS` parsed by the real command line, running nothing: throws on an unknown command or flag. */
function parseCommandLine(args: string[]): { command: string; opts: Record<string, unknown>; args: string[] } {
  const program = buildProgram();
  let seen: { command: string; opts: Record<string, unknown>; args: string[] } | undefined;
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) {
    c.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    c.action(function (this: Command) {
      seen = { command: this.name(), opts: this.opts(), args: this.args };
    });
  }
  program.parse(["node", "reposmith", ...args]);
  if (!seen) throw new Error(`reposmith ${args.join(" ")} ran no command`);
  return seen;
}

/** Every `reposmith …` (or `npx reposmith …`) command line in a shell script, split as a shell would (no quotes used). */
function reposmithLines(script: string): string[][] {
  return script
    .split("\n")
    .map((l) => l.trim().replace(/\s*[|>].*$/, ""))
    .filter((l) => /(^|\s)(npx )?reposmith\s/.test(l))
    .map((l) => l.slice(l.indexOf("reposmith ") + "reposmith ".length).split(/\s+/));
}

describe("the Kubernetes manifests (deploy/kubernetes)", () => {
  const files = readdirSync(K8S).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");

  it("are valid against the Kubernetes API schemas (and the check catches a wrong type)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "reposmith-k8s-"));
    try {
      const planted = path.join(dir, "planted.yaml");
      const bad = manifest("deployment.yaml");
      bad.spec.template.spec.containers[0].ports[0].containerPort = "9464";
      bad.spec.replicas = "two";
      writeFileSync(planted, JSON.stringify(bad));
      const results = validateManifests([...files.map((f) => path.join(K8S, f)), planted]);
      const mine = results.filter((r) => r.file !== planted);
      expect(mine.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
        "Deployment/reposmith",
        "Secret/reposmith",
        "Service/reposmith",
        "ServiceAccount/reposmith",
        "ServiceMonitor/reposmith",
      ]);
      for (const r of mine) expect({ file: r.file, errors: r.errors }).toEqual({ file: r.file, errors: [] });
      expect(results.find((r) => r.file === planted)!.errors.join("\n")).toMatch(/replicas must be integer/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("run two replicas of the controller under the leader lock, non-root, probed on /healthz and /readyz", () => {
    const d = manifest("deployment.yaml");
    expect(d.spec.replicas).toBe(2);
    // A rolling update would wait forever for a new standby to become Ready (/readyz is the leader's).
    expect(d.spec.strategy.type).toBe("Recreate");
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const [c] = pod.containers;
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "metrics" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "metrics" });
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
    // The probes' port is where --listen binds, on every interface.
    expect(c.ports).toEqual([{ name: "metrics", containerPort: 9464, protocol: "TCP" }]);
    expect(env.REPOSMITH_LISTEN.value).toBe(":9464");
    // The API key and the PostgreSQL URL (a state shared by both replicas) come from the Secret.
    const secretKeys = Object.keys(manifest("secret.example.yaml").stringData);
    for (const name of ["CLOUDSMITH_API_KEY", "REPOSMITH_STATE"]) {
      expect(env[name].valueFrom.secretKeyRef).toEqual({ name: "reposmith", key: name });
      expect(secretKeys).toContain(name);
    }
    expect(manifest("secret.example.yaml").stringData.REPOSMITH_STATE).toMatch(/^postgres:\/\//);
    // The checkout and the temporary directory are writable volumes (the root filesystem is not).
    const mounts = c.volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toContain("/tmp");
    expect(env.REPOSMITH_GIT_CHECKOUT.value.startsWith(mounts.find((m: string) => m !== "/tmp"))).toBe(true);
  });

  it("start a reconcile --watch that the real command line accepts, configured by settings it reads", () => {
    const c = manifest("deployment.yaml").spec.template.spec.containers[0];
    const parsed = parseCommandLine(c.args);
    expect(parsed.command).toBe("reconcile");
    expect(parsed.opts).toMatchObject({ watch: true, skipSynth: true });
    const reconcile = buildProgram().commands.find((x) => x.name() === "reconcile")!;
    const settings = new Set(
      (reconcile as unknown as { options: { envVar?: string }[] }).options.map((o) => o.envVar).filter(Boolean),
    );
    for (const e of c.env)
      expect([e.name, settings.has(e.name) || e.name === "CLOUDSMITH_API_KEY"]).toEqual([e.name, true]);
  });

  it("expose /metrics through a Service a ServiceMonitor selects, and kustomize every manifest but the example Secret", () => {
    const d = manifest("deployment.yaml");
    const svc = manifest("service.yaml");
    const sm = manifest("servicemonitor.yaml");
    expect(d.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(d.spec.selector.matchLabels).toEqual(d.spec.template.metadata.labels);
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(svc.spec.ports).toEqual([{ name: "metrics", port: 9464, targetPort: "metrics", protocol: "TCP" }]);
    expect(svc.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: "metrics", path: "/metrics" })]);
    const k = parseYaml(readFileSync(path.join(K8S, "kustomization.yaml"), "utf8"));
    expect(k.kind).toBe("Kustomization");
    expect([...k.resources].sort()).toEqual(files.filter((f) => f !== "secret.example.yaml").sort());
  });
});

describe("the Dockerfile (deploy/Dockerfile)", () => {
  const text = readFileSync(DOCKERFILE, "utf8");
  const instructions = DockerfileParser.parse(text).getInstructions();
  const args = (kw: string) => instructions.filter((i) => i.getKeyword() === kw).map((i) => i.getArgumentsContent()!);

  it("passes dockerfile-utils' linter", () => {
    expect(lintDockerfile(text)).toEqual([]);
    expect(lintDockerfile(`${text}\nUSERR nobody\n`).length).toBeGreaterThan(0);
  });

  it("runs the package tarball on Node 22 LTS as a non-root user, with reposmith as the entrypoint", () => {
    expect(args("FROM")).toEqual([expect.stringMatching(/^node:22(-|$)/)]);
    const users = args("USER");
    expect(users[users.length - 1]).toMatch(/^[1-9]\d*(:\d+)?$/);
    const deployment = manifest("deployment.yaml").spec.template.spec.securityContext;
    expect(users[users.length - 1]).toBe(`${deployment.runAsUser}:${deployment.runAsGroup}`);
    expect(args("COPY").join("\n")).toMatch(/\$\{TARBALL\} \/tmp\/reposmith\.tgz/);
    expect(args("RUN").join("\n")).toMatch(/npm install --global --omit=dev --ignore-scripts \/tmp\/reposmith\.tgz/);
    expect(args("RUN").join("\n")).toMatch(/\bgit\b/);
    expect(args("ENTRYPOINT")).toEqual(['["reposmith"]']);
    // What the tarball holds: the bin the entrypoint names, and the compiled code it runs.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.bin.reposmith).toBe("bin/reposmith.js");
    expect(pkg.files).toEqual(expect.arrayContaining(["dist", "bin"]));
    expect(existsSync(path.join(ROOT, pkg.bin.reposmith))).toBe(true);
  });
});

describe("the CI examples (examples/ci)", () => {
  const workflows = readdirSync(GITHUB).filter((f) => f.endsWith(".yml"));
  const workflow = (f: string) => parseYaml(readFileSync(path.join(GITHUB, f), "utf8"));
  const scripts = (steps: any[]) => steps.map((s) => s.run ?? "").join("\n");

  it("GitHub workflows are valid by GitHub's workflow schema (action-validator), which catches a misspelt key", () => {
    expect(workflows.sort()).toEqual(["reposmith-apply.yml", "reposmith-drift.yml", "reposmith-plan.yml"]);
    for (const f of workflows)
      expect({ f, errors: validateWorkflow(readFileSync(path.join(GITHUB, f), "utf8")).errors }).toEqual({
        f,
        errors: [],
      });
    const broken = readFileSync(path.join(GITHUB, "reposmith-plan.yml"), "utf8").replace("runs-on:", "run-on:");
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it("GitHub: plan --json on pull requests posted as a comment, the saved plan applied on merge, drift on a schedule", () => {
    const plan = workflow("reposmith-plan.yml");
    expect(Object.keys(plan.on)).toEqual(["pull_request"]);
    expect(plan.permissions["pull-requests"]).toBe("write");
    const planSteps = plan.jobs.plan.steps;
    expect(reposmithLines(scripts(planSteps))).toEqual([["plan", "--json", "--detailed-exitcode"]]);
    const comment = planSteps.find((s: any) => String(s.uses).startsWith("actions/github-script"));
    expect(comment.with.script).toMatch(/createComment/);
    expect(comment.with.script).toMatch(/plan\.json/);

    const apply = workflow("reposmith-apply.yml");
    expect(apply.on.push.branches).toEqual(["main"]);
    const saved = reposmithLines(scripts(apply.jobs.plan.steps));
    expect(saved).toEqual([["plan", "--out", "reposmith.plan"]]);
    expect(apply.jobs.apply.needs).toBe("plan");
    expect(apply.jobs.apply.environment).toBe("production");
    const [applyLine] = reposmithLines(scripts(apply.jobs.apply.steps));
    expect(applyLine.slice(0, 2)).toEqual(["apply", "reposmith.plan"]);

    const drift = workflow("reposmith-drift.yml");
    expect(drift.on.schedule).toEqual([{ cron: expect.stringMatching(/^\S+ \S+ \S+ \S+ \S+$/) }]);
    expect(reposmithLines(scripts(drift.jobs.drift.steps))).toEqual([["drift", "--json"]]);
    for (const f of workflows)
      for (const job of Object.values<any>(workflow(f).jobs))
        if (job.env) expect(job.env.CLOUDSMITH_API_KEY).toBe("${{ secrets.CLOUDSMITH_API_KEY }}");
  });

  /**
   * GitLab's keywords, as its CI/CD YAML reference lists them (https://docs.gitlab.com/ci/yaml/):
   * GitLab's schema is not published as a package, so the pipeline is checked against them here.
   */
  const GLOBAL = new Set(["default", "include", "stages", "variables", "workflow", "image", "cache", "before_script"]);
  const JOB = new Set([
    "stage",
    "script",
    "before_script",
    "after_script",
    "image",
    "rules",
    "needs",
    "artifacts",
    "variables",
    "environment",
    "resource_group",
    "cache",
    "when",
    "allow_failure",
    "tags",
    "timeout",
    "interruptible",
    "retry",
  ]);
  const RULE = new Set(["if", "changes", "exists", "when", "allow_failure", "variables", "needs"]);
  const ARTIFACTS = new Set([
    "paths",
    "exclude",
    "expire_in",
    "expose_as",
    "name",
    "public",
    "reports",
    "untracked",
    "when",
  ]);
  const WHEN = new Set(["on_success", "on_failure", "always", "manual", "delayed", "never"]);

  it("the GitLab pipeline uses only GitLab's keywords, its stages and jobs exist, and its reposmith lines parse", () => {
    const ci = parseYaml(readFileSync(GITLAB, "utf8"));
    const jobs = Object.entries<any>(ci).filter(([k]) => !GLOBAL.has(k));
    expect(jobs.map(([k]) => k)).toEqual(["plan:merge-request", "plan", "apply", "drift"]);
    for (const [name, job] of jobs) {
      for (const key of Object.keys(job)) expect([name, key, JOB.has(key)]).toEqual([name, key, true]);
      expect([name, ci.stages.includes(job.stage)]).toEqual([name, true]);
      expect(Array.isArray(job.script) && job.script.every((l: unknown) => typeof l === "string")).toBe(true);
      for (const r of job.rules ?? []) {
        for (const key of Object.keys(r)) expect([name, key, RULE.has(key)]).toEqual([name, key, true]);
        if (r.when) expect(WHEN.has(r.when)).toBe(true);
      }
      for (const key of Object.keys(job.artifacts ?? {}))
        expect([name, key, ARTIFACTS.has(key)]).toEqual([name, key, true]);
      for (const n of job.needs ?? []) expect(ci[typeof n === "string" ? n : n.job]).toBeDefined();
    }
    expect(ci.apply.rules[0].when).toBe("manual");
    expect(ci.apply.needs).toEqual([{ job: "plan", artifacts: true }]);
    expect(ci.drift.rules[0].if).toMatch(/CI_PIPELINE_SOURCE == "schedule"/);
    expect(reposmithLines(ci.plan.script.join("\n"))).toEqual([["plan", "--out", "reposmith.plan"]]);
    expect(reposmithLines(ci.apply.script.join("\n"))[0].slice(0, 2)).toEqual(["apply", "reposmith.plan"]);
  });

  it("every reposmith command line in them is one the real command line accepts", () => {
    const lines = [
      ...workflows.flatMap((f) =>
        Object.values<any>(workflow(f).jobs).flatMap((j) => reposmithLines(scripts(j.steps ?? []))),
      ),
      ...Object.values<any>(parseYaml(readFileSync(GITLAB, "utf8")))
        .filter((j) => j && Array.isArray(j.script))
        .flatMap((j) => reposmithLines(j.script.join("\n"))),
    ];
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const l of lines) expect(() => parseCommandLine(l)).not.toThrow();
    // The check would notice a flag that does not exist.
    expect(() => parseCommandLine(["apply", "reposmith.plan", "--lock-wait", "5m"])).toThrow(/unknown option/);
  });
});
