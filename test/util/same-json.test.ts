import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { canonicalJson, sameJson } from "../../src/util/canonical";

/** The same value with every object's keys in reverse order. */
function reordered(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reordered);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .reverse()
        .map(([k, x]) => [k, reordered(x)]),
    );
  return v;
}

describe("sameJson", () => {
  it("says what comparing canonical JSON says, for any two JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }), (a, b) => {
        expect(sameJson(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
      }),
      { numRuns: 500 },
    );
  });

  it("finds a value equal to itself with its keys reordered, and unequal after any one change", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }),
        fc.string(),
        (a, extra) => {
          expect(sameJson(a, reordered(a))).toBe(true);
          expect(sameJson(a, { ...a, [extra]: "changed-value-\u0000" })).toBe(
            isDeepStrictEqual(a, { ...a, [extra]: "changed-value-\u0000" }),
          );
          const { [Object.keys(a)[0]]: _dropped, ...fewer } = a;
          expect(sameJson(a, fewer)).toBe(false);
          expect(sameJson(fewer, a)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("tells arrays from objects and null from an empty object", () => {
    expect(sameJson([], {})).toBe(false);
    expect(sameJson({ 0: 1 }, [1])).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});
