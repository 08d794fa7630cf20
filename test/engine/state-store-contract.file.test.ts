import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FileStateStore } from "../../src/engine";
import { stateStoreContract } from "../helpers/state-store-contract";

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "reposmith-contract-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("StateStore contract: file backend", () => {
  stateStoreContract(() => ({
    open: async () => new FileStateStore(dir),
    corrupt: async (stack) => writeFileSync(path.join(dir, `${stack}.json`), '{"version":1,"stack":"'),
    edit: async (stack, change) => {
      const f = path.join(dir, `${stack}.json`);
      const doc = JSON.parse(readFileSync(f, "utf8"));
      change(doc);
      writeFileSync(f, JSON.stringify(doc));
    },
    previous: async (stack) => {
      const f = path.join(dir, `${stack}.json.backup`);
      return existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : undefined;
    },
  }));
});
