import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Lifecycle } from "../../src/resources/lifecycle";
import { makePayload } from "../../src/resources/payload";
import { handlerFor } from "../../src/resources/registry";

/** One declared resource, as a construct would synthesize it. */
export interface Decl {
  id: string;
  kind?: string;
  spec: Record<string, unknown>;
  lifecycle?: Lifecycle;
}

/**
 * Writes a cdktf output directory (manifest.json + stacks/<name>/cdk.tf.json with one
 * terraform_data hook per resource), exactly as `synth` would, without running an app: the
 * controller tests stay fast and never block the in-process emulator with a synchronous spawn.
 */
export function writeOutdir(dir: string, stacks: Record<string, Decl[]>): void {
  const manifest: { version: string; stacks: Record<string, unknown> } = { version: "0.21.0", stacks: {} };
  for (const [name, decls] of Object.entries(stacks)) {
    const rel = path.join("stacks", name, "cdk.tf.json");
    const resources: Record<string, unknown> = {};
    for (const d of decls) {
      const kind = d.kind ?? "EntitlementToken";
      const spec = handlerFor(kind).spec.parse(d.spec);
      resources[`${d.id}_hook_resource`] = {
        input: makePayload(kind, `${name}/${d.id}`, spec, undefined, d.lifecycle),
        lifecycle: { create_before_destroy: true },
      };
    }
    mkdirSync(path.join(dir, "stacks", name), { recursive: true });
    writeFileSync(path.join(dir, rel), JSON.stringify({ resource: { terraform_data: resources } }, null, 2));
    manifest.stacks[name] = {
      name,
      constructPath: name,
      synthesizedStackPath: rel,
      workingDirectory: path.join("stacks", name),
      dependencies: [],
    };
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
}

export const token = (id: string, spec: Record<string, unknown> = {}, lifecycle?: Lifecycle): Decl => ({
  id,
  spec: { owner: "acme", repository: "prod", name: id, ...spec },
  lifecycle,
});
