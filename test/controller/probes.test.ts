/** The controller's probe server (--listen), and how it notices a new synth output (watch.ts). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  fingerprint,
  manifestStacks,
  OutdirWatcher,
  parseListen,
  startProbeServer,
  type ProbeServer,
  type ProbeSource,
} from "../../src/controller";
import { waitFor } from "./helpers";

describe("--listen", () => {
  it("trims, and accepts the extremes of the port range", () => {
    expect(parseListen("  127.0.0.1:9464\n")).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(parseListen("0.0.0.0:65535")).toEqual({ host: "0.0.0.0", port: 65535 });
    expect(parseListen("[fe80::1]:0")).toEqual({ host: "fe80::1", port: 0 });
  });

  it.each(["a:b:9464", "9464x", "x9464", "host:", "[::1]", "host:65536", "host:-1", ":", ""])(
    '"%s" is refused with the expected form',
    (text) => {
      expect(() => parseListen(text)).toThrow(
        `--listen must be [HOST]:PORT such as :9464 or 127.0.0.1:9464 (got "${text}")`,
      );
    },
  );
});

describe("probe server", () => {
  let server: ProbeServer;
  const state = { healthy: false, ready: { ready: false, reason: "waiting for the first pass" }, metricsFail: false };
  const src: ProbeSource = {
    healthy: () => ({ healthy: state.healthy, reason: state.healthy ? "ok" : "starting" }),
    ready: () => state.ready,
    metrics: async () => {
      if (state.metricsFail) throw new Error("registry closed");
      return { contentType: "text/plain; version=0.0.4", body: "reposmith_up 1\n" };
    },
  };
  const call = async (p: string, method = "GET") => {
    const r = await fetch(`${server.url}${p}`, { method });
    return {
      status: r.status,
      body: await r.text(),
      type: r.headers.get("content-type"),
      cache: r.headers.get("cache-control"),
    };
  };

  beforeAll(async () => {
    server = await startProbeServer({ host: "127.0.0.1", port: 0 }, src);
  });
  afterAll(() => server.close());

  it("serves on the address it was given, its URL naming the port chosen", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
  });

  it("/healthz: 503 'starting' until healthy, then 200 'ok'; never cached; the query is ignored", async () => {
    expect(await call("/healthz")).toEqual({
      status: 503,
      body: "starting\n",
      type: "text/plain; charset=utf-8",
      cache: "no-store",
    });
    state.healthy = true;
    expect(await call("/healthz?verbose=1")).toMatchObject({ status: 200, body: "ok\n" });
    expect(await call("/healthz", "HEAD")).toMatchObject({ status: 200, body: "" });
  });

  it("/readyz: the readiness and its reason", async () => {
    expect(await call("/readyz")).toMatchObject({ status: 503, body: "waiting for the first pass\n" });
    state.ready = { ready: true, reason: "leader; last pass ok" };
    expect(await call("/readyz")).toMatchObject({ status: 200, body: "leader; last pass ok\n" });
  });

  it("/metrics: the registry's text with its content type, or 500 naming the failure", async () => {
    expect(await call("/metrics")).toMatchObject({
      status: 200,
      body: "reposmith_up 1\n",
      type: "text/plain; version=0.0.4",
    });
    state.metricsFail = true;
    expect(await call("/metrics")).toMatchObject({ status: 500, body: "metrics failed: registry closed\n" });
    state.metricsFail = false;
  });

  it("other methods get 405 and other paths 404 naming the four", async () => {
    expect(await call("/healthz", "POST")).toMatchObject({ status: 405, body: "method not allowed\n" });
    expect(await call("/metrics", "DELETE")).toMatchObject({ status: 405 });
    expect(await call("/")).toMatchObject({
      status: 404,
      body: "not found: try /healthz, /readyz, /status or /metrics\n",
    });
  });

  it("fails to start on a port already taken, and stops answering once closed", async () => {
    const port = Number(new URL(server.url).port);
    await expect(startProbeServer({ host: "127.0.0.1", port }, src)).rejects.toThrow(/EADDRINUSE/);
    const other = await startProbeServer({ host: "127.0.0.1", port: 0 }, src);
    expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
    await other.close();
    await expect(fetch(`${other.url}/healthz`)).rejects.toThrow();
  });
});

describe("synth output fingerprint", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "reposmith-fp-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = (stacks: Record<string, string>) =>
    writeFileSync(
      path.join(dir, "manifest.json"),
      JSON.stringify({
        stacks: Object.fromEntries(Object.entries(stacks).map(([n, f]) => [n, { synthesizedStackPath: f }])),
      }),
    );

  it("is empty without a manifest", () => {
    expect(fingerprint(dir)).toBe("");
    expect(fingerprint(path.join(dir, "missing"))).toBe("");
  });

  it("is the same for the same files and changes when a stack file or the manifest changes", () => {
    manifest({ app: "stacks/app/cdk.tf.json" });
    const noStackFile = fingerprint(dir);
    expect(noStackFile).toMatch(/^[0-9a-f]{64}$/);
    mkdirSync(path.join(dir, "stacks/app"), { recursive: true });
    writeFileSync(path.join(dir, "stacks/app/cdk.tf.json"), '{"a":1}');
    const one = fingerprint(dir);
    expect(one).not.toBe(noStackFile);
    expect(fingerprint(dir)).toBe(one);
    writeFileSync(path.join(dir, "stacks/app/cdk.tf.json"), '{"a":2}');
    const two = fingerprint(dir);
    expect(two).not.toBe(one);
    manifest({ app: "stacks/app/cdk.tf.json", other: "stacks/other/cdk.tf.json" });
    expect(fingerprint(dir)).not.toBe(two);
  });

  it("text moved from one stack's file to the next is a change too", () => {
    manifest({ a: "a.json", b: "b.json" });
    writeFileSync(path.join(dir, "a.json"), "{}{");
    writeFileSync(path.join(dir, "b.json"), "}");
    const before = fingerprint(dir);
    writeFileSync(path.join(dir, "a.json"), "{}");
    writeFileSync(path.join(dir, "b.json"), "{}");
    expect(fingerprint(dir)).not.toBe(before);
  });

  it("a manifest caught mid-write differs from everything, so the next look reads it again", () => {
    writeFileSync(path.join(dir, "manifest.json"), '{"stacks": {"app": ');
    const now = jest.spyOn(Date, "now");
    try {
      now.mockReturnValue(1);
      const a = fingerprint(dir);
      now.mockReturnValue(2);
      const b = fingerprint(dir);
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(b).not.toBe(a);
      manifest({});
      expect(fingerprint(dir)).not.toBe(b);
    } finally {
      now.mockRestore();
    }
  });

  it("manifestStacks lists the stacks a manifest names", () => {
    manifest({ b: "stacks/b/cdk.tf.json", a: "stacks/a/cdk.tf.json" });
    expect(manifestStacks(dir)).toEqual(["b", "a"]);
    writeFileSync(path.join(dir, "manifest.json"), "{}");
    expect(manifestStacks(dir)).toEqual([]);
  });
});

describe("OutdirWatcher", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "reposmith-watch-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("cannot watch a directory that does not exist yet, and watches it once it does", () => {
    const w = new OutdirWatcher(path.join(dir, "out"), () => undefined);
    expect(w.ensure()).toBe(false);
    mkdirSync(path.join(dir, "out"));
    expect(w.ensure()).toBe(true);
    expect(w.ensure()).toBe(true);
    w.close();
  });

  it("notices a file written in a subdirectory (stacks/app/cdk.tf.json)", async () => {
    mkdirSync(path.join(dir, "stacks", "app"), { recursive: true });
    let calls = 0;
    const w = new OutdirWatcher(dir, () => calls++, 50);
    expect(w.ensure()).toBe(true);
    try {
      writeFileSync(path.join(dir, "stacks", "app", "cdk.tf.json"), "{}");
      await waitFor("the callback", () => calls > 0, 3_000);
    } finally {
      w.close();
    }
  });

  it("a second ensure() keeps the one watch, so close() stops every callback", async () => {
    let calls = 0;
    const w = new OutdirWatcher(dir, () => calls++, 50);
    expect(w.ensure()).toBe(true);
    expect(w.ensure()).toBe(true);
    w.close();
    writeFileSync(path.join(dir, "after-close"), "x");
    await new Promise((r) => setTimeout(r, 400));
    expect(calls).toBe(0);
  });

  it("calls back once for a burst of writes (debounced), and not after close", async () => {
    let calls = 0;
    const w = new OutdirWatcher(dir, () => calls++, 100);
    expect(w.ensure()).toBe(true);
    for (let i = 0; i < 5; i++) writeFileSync(path.join(dir, `f${i}`), String(i));
    await new Promise((r) => setTimeout(r, 600));
    expect(calls).toBe(1);
    writeFileSync(path.join(dir, "late"), "x");
    w.close();
    await new Promise((r) => setTimeout(r, 400));
    expect(calls).toBe(1);
  });
});
