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
