// Child process of the benchmark's row (a): serves fixed bodies (the emulator's own pages, read from
// a file) after the same injected latency, doing no work per request. Fetching them measures what
// the transport alone costs here, so row (a) can show how much of its wall time no client could save.
import { readFileSync } from "node:fs";
import http from "node:http";

const [file, latency] = [process.env.REPOSMITH_FIXED_BODIES!, Number(process.env.REPOSMITH_FIXED_LATENCY ?? 0)];
const bodies = (JSON.parse(readFileSync(file, "utf8")) as string[]).map((b) => Buffer.from(b));
const server = http.createServer((req, res) => {
  const body = bodies[Number(/\/p\/(\d+)/.exec(req.url ?? "")?.[1] ?? 0)] ?? Buffer.alloc(0);
  setTimeout(() => {
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  }, latency);
});
server.listen(0, "127.0.0.1", () =>
  process.stdout.write(`http://127.0.0.1:${(server.address() as { port: number }).port}\n`),
);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
