import { Testing, type TerraformStack } from "cdktf";

/** The message a construct throws, or "" when it does not throw. */
export function thrown(build: () => unknown): string {
  try {
    build();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

/** The connection a resource's hook carries in the stack's synthesized JSON, parsed. */
export function hookConnection(stack: TerraformStack, key: string): unknown {
  const hooks = Object.values(
    JSON.parse(Testing.synth(stack)).resource.terraform_data as Record<
      string,
      { input: { key: string; connection: string } }
    >,
  );
  return JSON.parse(hooks.find((r) => r.input.key === key)!.input.connection);
}

/** A reposmith hook of a synthesized stack: its kind, key and parsed spec. */
export interface SynthesizedHook {
  kind: string;
  key: string;
  spec: Record<string, any>;
}

/** The reposmith resource hooks of a stack's synthesized JSON (text or parsed), in the order they appear. */
export function synthesizedHooks(synthesized: string | Record<string, any>): SynthesizedHook[] {
  const doc = typeof synthesized === "string" ? JSON.parse(synthesized) : synthesized;
  const all = [
    ...Object.values((doc.resource?.terraform_data ?? {}) as Record<string, { input?: Record<string, string> }>).map(
      (r) => r.input,
    ),
    ...Object.values((doc.resource?.null_resource ?? {}) as Record<string, { triggers?: Record<string, string> }>).map(
      (r) => r.triggers,
    ),
  ];
  return all
    .filter((i): i is Record<string, string> => !!i?.kind)
    .map((i) => ({ kind: i.kind, key: i.key, spec: JSON.parse(i.spec) }));
}
