import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseLifecycle, type Lifecycle } from "../resources/lifecycle";
import { isPayload, type HookPayload } from "../resources/payload";
import type { ConnectionRef } from "../resources/types";
import { ParsedFiles } from "../util/parsed-files";

/** One declared resource, as read back from cdktf.out. */
export interface DesiredResource {
  stack: string;
  key: string;
  kind: string;
  spec: unknown;
  generation: string;
  connection: ConnectionRef | undefined;
  /** Controller lifecycle (driftPolicy, deletionPolicy) when the construct set one. */
  lifecycle?: Lifecycle;
}

export interface DesiredStack {
  name: string;
  resources: DesiredResource[];
}

class SynthOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SynthOutputError";
  }
}

/** Hook resource types that may carry a payload, and the attribute that holds it. */
const HOOK_ATTRS: Record<string, string> = { terraform_data: "input", null_resource: "triggers" };

/**
 * Reads the declared stacks of a cdktf output directory (manifest.json + stacks/<name>/cdk.tf.json):
 * all, or `only`. A stack in `only` that the app no longer declares but state
 * still holds (`inState`) is returned empty: planning it deletes (or destroys) what state has of it.
 */
export function readDesired(outdir: string, only?: string[], inState: string[] = []): DesiredStack[] {
  const manifestFile = path.join(outdir, "manifest.json");
  if (!existsSync(manifestFile))
    throw new SynthOutputError(
      `no synthesized app in ${outdir} (manifest.json missing); run "reposmith synth" first or pass --output`,
    );
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  const names = Object.keys(manifest.stacks ?? {});
  const stateOnly = (only ?? []).filter((s) => !names.includes(s) && inState.includes(s));
  for (const s of only ?? []) {
    if (!names.includes(s) && !stateOnly.includes(s)) {
      throw new SynthOutputError(
        names.length
          ? `unknown stack "${s}": the app has ${names.map((n) => `"${n}"`).join(", ")}; pass one of those to --stack, or leave --stack out for all stacks`
          : `unknown stack "${s}": the app declares no stacks; check that it creates a TerraformStack and calls app.synth()`,
      );
    }
  }
  return [
    ...names
      .filter((n) => !only?.length || only.includes(n))
      .map((name) => ({
        name,
        resources: readStack(name, path.join(outdir, manifest.stacks[name].synthesizedStackPath)),
      })),
    ...stateOnly.map((name) => ({ name, resources: [] })),
  ];
}

/**
 * Turns hook payloads of one stack into declared resources (reposmith's synth output and Terraform's
 * hooks alike). Most resources of a stack share one connection and lifecycle: each distinct text is
 * parsed once, and the result shared (nothing downstream modifies it).
 */
export function payloadReader(stack: string): (p: HookPayload) => DesiredResource {
  const connections = new Map<string, ConnectionRef | undefined>();
  const lifecycles = new Map<string | undefined, Lifecycle | undefined>();
  return (p) => {
    const connText = p.connection || "{}";
    if (!connections.has(connText)) {
      const conn = JSON.parse(connText) as ConnectionRef;
      connections.set(connText, Object.keys(conn).length ? conn : undefined);
    }
    if (!lifecycles.has(p.lifecycle)) lifecycles.set(p.lifecycle, parseLifecycle(p.lifecycle));
    return {
      stack,
      key: p.key,
      kind: p.kind,
      spec: JSON.parse(p.spec),
      generation: p.generation,
      connection: connections.get(connText),
      lifecycle: lifecycles.get(p.lifecycle),
    };
  };
}

/**
 * Synthesized stacks as last read, by absolute path (the path names the stack): a plan of an app whose synth output
 * did not change since the last read (the controller's every pass) reuses the declared resources,
 * and with them their specs as already parsed (see parseSpec).
 */
const parsedStacks = new ParsedFiles<readonly DesiredResource[]>();

function readStack(stack: string, file: string): DesiredResource[] {
  const declared = parsedStacks.readSync(path.resolve(file), (bytes) => declaredIn(stack, bytes));
  return [...declared];
}

/**
 * The resources a stack's cdk.tf.json declares. They are frozen: they are shared by every read of
 * the same bytes, so nothing may change them in place.
 */
function declaredIn(stack: string, bytes: Buffer): readonly DesiredResource[] {
  const doc = JSON.parse(bytes.toString("utf8")) as {
    resource?: Record<string, Record<string, Record<string, unknown>>>;
  };
  const out: DesiredResource[] = [];
  const seen = new Set<string>();
  const toDesired = payloadReader(stack);
  for (const [type, attr] of Object.entries(HOOK_ATTRS)) {
    for (const block of Object.values(doc.resource?.[type] ?? {})) {
      const payload = block[attr];
      if (!isPayload(payload)) continue;
      const p = payload as HookPayload;
      if (seen.has(p.key)) throw new SynthOutputError(`stack "${stack}" declares "${p.key}" twice`);
      seen.add(p.key);
      out.push(Object.freeze(toDesired(p)));
    }
  }
  return out;
}
