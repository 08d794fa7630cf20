/**
 * Preloaded into a CLI under test (NODE_OPTIONS="--require .../connect-log.cjs"): appends one line per
 * TCP connection attempt ("host:port") to $REPOSMITH_TEST_CONNECT_LOG, so a test can count attempts
 * (retries) instead of timing them.
 */
const fs = require("node:fs");
const net = require("node:net");

const log = process.env.REPOSMITH_TEST_CONNECT_LOG;
if (log) {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    // (options[, cb]), (port[, host][, cb]), or node's own already-normalised [options, cb] array.
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const o =
      first !== null && typeof first === "object"
        ? first
        : { port: first, host: typeof args[1] === "string" ? args[1] : undefined };
    if (typeof o.port === "number" || typeof o.port === "string")
      fs.appendFileSync(log, `${String(o.host ?? "localhost")}:${String(o.port)}\n`);
    return connect.apply(this, args);
  };
}
