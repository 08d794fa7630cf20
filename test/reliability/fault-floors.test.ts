/** The storm helper's own rules: a rule that can never fire is an error, and so is a storm too small to show one fired. */
import {
  assertRulesMatchRoutes,
  ruleProblems,
  ruleTallies,
  type ArmedRule,
  type EmulatorCounters,
} from "./fault-floors";

const rule = (r: Partial<ArmedRule>): ArmedRule => ({ probability: 0.5, kind: "status 500", remaining: 1e9, ...r });
const counters = (requests: Record<string, number>): EmulatorCounters => ({ requests, faults: {} });

describe("assertRulesMatchRoutes", () => {
  it("accepts rules whose method and path match an API route, with or without /v1", () => {
    expect(() =>
      assertRulesMatchRoutes([
        rule({}),
        rule({ method: "PATCH" }),
        rule({ method: "POST", path: "^/v1/entitlements/[^/]+/[^/]+/?$" }),
        rule({ method: "GET", path: "/status/?$" }),
      ]),
    ).not.toThrow();
  });

  it("throws, naming the rule and the fix, when the path matches no route", () => {
    expect(() =>
      assertRulesMatchRoutes([rule({}), rule({ method: "POST", path: "^/v1/entitlement/[^/]+/?$" })]),
    ).toThrow(
      "fault rule(s) matching no API route, which could never fire: POST ^/v1/entitlement/[^/]+/?$ (status 500); fix the rule's method or path",
    );
  });

  it("throws when the path exists but not for the rule's method", () => {
    expect(() => assertRulesMatchRoutes([rule({ method: "PATCH", path: "/copy/?$", kind: "status 502" })])).toThrow(
      /PATCH \/copy\/\?\$ \(status 502\)/,
    );
  });
});

describe("ruleTallies and ruleProblems", () => {
  const before = counters({});
  const after = counters({
    "PATCH /entitlements/{owner}/{repo}/{identifier}/": 100,
    "GET /entitlements/{owner}/{repo}/": 4,
  });

  it("counts each rule's firings from its remaining count, and its floor from the requests it could meet", () => {
    const armed = [rule({ method: "PATCH" }), rule({ method: "GET", probability: 0.1, kind: "malformed body" })];
    const now = [
      { ...armed[0], remaining: 1e9 - 48 },
      { ...armed[1], remaining: 1e9 },
    ];
    const t = ruleTallies(armed, now, before, after);
    expect(t.map((r) => [r.rule, r.fired, r.expected])).toEqual([
      ["#1 PATCH any path: status 500", 48, 50],
      ["#2 GET any path: malformed body", 0, expect.closeTo(0.4)],
    ]);
    expect(t[0].floor).toBeGreaterThan(20);
    expect(t[1].floor).toBe(0);
    expect(ruleProblems("storm", t)).toEqual([
      "storm: rule #2 GET any path: malformed body has a floor of 0 (expected 0.4 firings, 0 fired): the storm makes too few requests it matches to show that it fires",
    ]);
  });

  it("a rule that fired less than its floor is a problem; one at its floor is not", () => {
    const armed = [rule({ method: "PATCH" })];
    const floor = ruleTallies(armed, armed, before, after)[0].floor;
    const fired = (n: number) => ruleTallies(armed, [{ ...armed[0], remaining: 1e9 - n }], before, after);
    expect(ruleProblems("storm", fired(floor))).toEqual([]);
    expect(ruleProblems("storm", fired(floor - 1))).toEqual([
      `storm: rule #1 PATCH any path: status 500 fired ${floor - 1} times, below its floor of ${floor} (expected 50.0)`,
    ]);
  });

  it("refuses a listing that lost a rule (one used up cannot be counted)", () => {
    expect(() => ruleTallies([rule({}), rule({})], [rule({})], before, after)).toThrow(
      /2 rules armed but 1 listed now/,
    );
  });
});
