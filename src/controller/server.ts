import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProbeSource {
  /** 200 while the reconcile loop makes progress; 503 (with why) once it is stuck. */
  healthy(): { healthy: boolean; reason: string };
  /** What /status serves as JSON: revision, last pass, per-stack counts. */
  status?(): unknown;
  /** 200 after the first successful pass while this controller is the leader. */
  ready(): { ready: boolean; reason: string };
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface ListenAddress {
  /** undefined: every interface (IPv6 and IPv4, as Node's listen() without a host). */
  host?: string;
  port: number;
}

/**
 * Parses `127.0.0.1:9464`, `[::1]:9464`, `:9464` or `9464`. Without a host every interface is
 * bound, as Prometheus exporters read `:9100`, so a kubelet's probes and a Prometheus in the
 * cluster reach it; an explicit host narrows it (127.0.0.1 for this machine only).
 */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d+)$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--listen must be [HOST]:PORT such as :9464 or 127.0.0.1:9464 (got "${text}")`);
  }
  const host = m[1] ?? m[2];
  return host ? { host, port } : { port };
}

export interface ProbeServer {
  url: string;
  close(): Promise<void>;
}

/** Serves /healthz, /readyz, /status (JSON) and /metrics (Prometheus text format). */
export async function startProbeServer(addr: ListenAddress, src: ProbeSource): Promise<ProbeServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed\n");
    if (path === "/healthz") {
      const h = src.healthy();
      return send(h.healthy ? 200 : 503, `${h.reason}\n`);
    }
    if (path === "/status" && src.status)
      return send(200, JSON.stringify(src.status(), null, 2) + "\n", "application/json; charset=utf-8");
    if (path === "/readyz") {
      const r = src.ready();
      return send(r.ready ? 200 : 503, `${r.reason}\n`);
    }
    if (path === "/metrics") {
      src.metrics().then(
        (m) => send(200, m.body, m.contentType),
        (err) => send(500, `metrics failed: ${(err as Error).message}\n`),
      );
      return;
    }
    send(404, "not found: try /healthz, /readyz, /status or /metrics\n");
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (addr.host === undefined) server.listen(addr.port, () => resolve());
    else server.listen(addr.port, addr.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
  return {
    url: `http://${host}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
