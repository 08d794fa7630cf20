/** /healthz means something: it fails once the watch loop is stuck; `--listen :PORT` is reachable from outside the Pod. */
import { Controller, ControllerMetrics, healthBound, parseListen, startProbeServer } from "../../src/controller";
import { token, writeOutdir } from "../helpers/outdir";
import { collectingLogger, tempDir, waitFor } from "./helpers";

let w: ReturnType<typeof tempDir>;
beforeEach(() => {
  w = tempDir("reposmith-health-");
});
afterEach(() => w.cleanup());

const get = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, text: await r.text() };
};

describe("/healthz", () => {
  it("derives its bound from the interval: three intervals, at least an interval and a minute", () => {
    expect(healthBound(60_000)).toBe(180_000);
    expect(healthBound(10_000)).toBe(70_000);
    expect(healthBound(300_000)).toBe(900_000);
  });

  it("answers 200 while the loop moves and 503 once a pass has been stuck past the bound", async () => {
    writeOutdir(w.outdir, { app: [token("ci")] });
    let unblock: () => void = () => undefined;
    let passes = 0;
    const { logger } = collectingLogger();
    const controller = new Controller({
      outdir: w.outdir,
      store: w.store(),
      logger,
      metrics: new ControllerMetrics({ defaultMetrics: false }),
      intervalMs: 50,
      graceMs: 50,
      healthBoundMs: 400,
      // The second pass hangs (a synth that never exits, say) until the test lets it go.
      refresh: () => (++passes === 2 ? new Promise<void>((resolve) => (unblock = resolve)) : Promise.resolve()),
      env: { CLOUDSMITH_API_URL: "http://127.0.0.1:9/v1", CLOUDSMITH_API_KEY: "unused" },
      clientOptions: { maxRetries: 0 },
    });
    const server = await startProbeServer({ host: "127.0.0.1", port: 0 }, controller.probes());
    const running = controller.run();
    try {
      await waitFor("the second pass to start", () => passes >= 2);
      expect((await get(`${server.url}/healthz`)).status).toBe(200);
      const stuck = await waitFor("/healthz to fail", async () => {
        const r = await get(`${server.url}/healthz`);
        return r.status === 503 && r;
      });
      expect(stuck.text).toMatch(
        /^reconcile loop stuck: no pass finished and no progress for [\d.]+m?s \(bound 400ms, from --interval\)\n$/,
      );
      // The loop moves again: healthy again.
      unblock();
      await waitFor("/healthz to recover", async () => (await get(`${server.url}/healthz`)).status === 200);
    } finally {
      unblock();
      await controller.stop();
      await running;
      await server.close();
    }
  });

  it("is served on every interface with --listen :PORT, and on the host given otherwise", async () => {
    const probes = {
      healthy: () => ({ healthy: true, reason: "ok" }),
      ready: () => ({ ready: true, reason: "ready" }),
    };
    const src = { ...probes, metrics: async () => ({ contentType: "text/plain", body: "" }) };
    const all = await startProbeServer(parseListen(":0"), src);
    const local = await startProbeServer(parseListen("127.0.0.1:0"), src);
    try {
      expect(all.url).toMatch(/^http:\/\/(\[::\]|0\.0\.0\.0):\d+$/);
      expect(local.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const port = all.url.replace(/^.*:/, "");
      expect((await get(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await all.close();
      await local.close();
    }
  });
});
