import { Testing, TerraformStack } from "cdktf";
import { EntitlementToken } from "../../src";
import { parseLifecycle } from "../../src/resources/lifecycle";

const stack = () => new TerraformStack(Testing.app(), "s1");
const base = { owner: "acme", repository: "prod", name: "ci" };

describe("lifecycle props (driftPolicy, deletionPolicy)", () => {
  it("travel in the hook payload outside the spec, so changing them forces no re-run", () => {
    const plain = new EntitlementToken(stack(), "t", base);
    const withPolicies = new EntitlementToken(stack(), "t", {
      ...base,
      driftPolicy: "report",
      deletionPolicy: "delete",
    });
    expect(plain.hook.payload.lifecycle).toBeUndefined();
    expect(parseLifecycle(withPolicies.hook.payload.lifecycle)).toEqual({
      driftPolicy: "report",
      deletionPolicy: "delete",
    });
    expect(withPolicies.hook.payload.generation).toBe(plain.hook.payload.generation);
    expect(withPolicies.hook.payload.spec).not.toMatch(/Policy/);
  });

  it("are validated at construct time", () => {
    expect(() => new EntitlementToken(stack(), "t", { ...base, driftPolicy: "fix" as never })).toThrow(
      /driftPolicy must be one of "correct", "report", "ignore" \(got "fix"\)/,
    );
    expect(() => new EntitlementToken(stack(), "t", { ...base, deletionPolicy: "keep" as never })).toThrow(
      /deletionPolicy must be "retain" or "delete" \(got "keep"\)/,
    );
  });
});
