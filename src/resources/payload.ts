import { canonicalJson, generationOf } from "../util/canonical";
import type { Lifecycle } from "./lifecycle";
import type { ConnectionRef } from "./types";

/**
 * The strings each hook resource carries in the synthesized stack (docs/architecture.md#desired-state).
 * Constructs write them; the engine and `reposmith hook` read them back. No secrets, by construction.
 */
const PAYLOAD_FORMAT = "1";

export interface HookPayload {
  reposmith: string;
  kind: string;
  /** `<stack>/<construct path>`: the identity tag written on the remote object. */
  key: string;
  /** Canonical JSON of the validated spec. */
  spec: string;
  /** sha256 of `spec`: what forces the hook to re-run. */
  generation: string;
  /** Canonical JSON of the connection reference (URL, env var names), not part of the generation. */
  connection: string;
  /** Canonical JSON of the controller lifecycle (driftPolicy, deletionPolicy); absent when unset. Not part of the generation. */
  lifecycle?: string;
  /**
   * Terraform path only: a digest of what the resource depends on in its stack (a sync: its source's
   * tokens' generations). It re-runs the hook when they change, and that run always acts.
   */
  after?: string;
}

export function makePayload(
  kind: string,
  key: string,
  spec: unknown,
  connection: ConnectionRef | undefined,
  lifecycle?: Lifecycle,
): HookPayload {
  const specJson = canonicalJson(spec);
  const payload: HookPayload = {
    reposmith: PAYLOAD_FORMAT,
    kind,
    key,
    spec: specJson,
    generation: generationOf(spec),
    connection: canonicalJson(connection ?? {}),
  };
  if (lifecycle && Object.values(lifecycle).some((v) => v !== undefined)) payload.lifecycle = canonicalJson(lifecycle);
  return payload;
}

export function isPayload(value: unknown): value is HookPayload {
  const v = value as Record<string, unknown> | null;
  return (
    !!v &&
    typeof v === "object" &&
    typeof v.reposmith === "string" &&
    typeof v.kind === "string" &&
    typeof v.key === "string" &&
    typeof v.spec === "string"
  );
}
