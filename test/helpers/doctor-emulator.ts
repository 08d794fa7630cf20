/**
 * The prelude of the doctor tests: one emulator for the file, seeded with `seed` (reset and seeded
 * again before each test), the environment `reposmith doctor` reads for both APIs, and a working
 * directory. Handed to `use` once the emulator runs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmulator, type Emulator, type SeedDocument } from "../../src/emulator";
import { emulatorAdmin } from "./emulator-admin";

export interface DoctorEmulator {
  emu: Emulator;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function doctorEmulator(
  o: { apiKey: string; iamPassword: string; seed: SeedDocument; dirPrefix: string },
  use: (d: DoctorEmulator) => void,
): void {
  let emu: Emulator;
  let cwd: string;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, apiKey: o.apiKey, seed: o.seed });
    cwd = mkdtempSync(path.join(tmpdir(), o.dirPrefix));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NO_COLOR: "1",
      CLOUDSMITH_API_KEY: o.apiKey,
      CLOUDSMITH_API_URL: `${emu.url}/v1`,
      HW_REGION_NAME: "cn-north-4",
      HW_DOMAIN_NAME: "acme",
      HW_USER_NAME: "ci",
      HW_USER_PASSWORD: o.iamPassword,
      HW_AUTH_URL: `${emu.url}/v3`,
      HW_CODEARTS_REPO_ENDPOINT: emu.url,
    };
    use({ emu, env, cwd });
  });
  afterAll(async () => {
    await emu?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await emulatorAdmin(emu.url, "POST", "/reset");
    await emulatorAdmin(emu.url, "POST", "/seed", o.seed);
  });
}
