import fc from "fast-check";
import { encodeState } from "../../src/engine/state/encoding";
import type { StackState } from "../../src/engine";

// The file store's layout must say exactly what JSON.stringify says: same document, other spacing.
describe("encodeState", () => {
  it("is JSON that parses to what JSON.stringify of the same state parses to, whatever the entries hold", () => {
    const entry = fc.record({
      kind: fc.string(),
      id: fc.string(),
      generation: fc.string(),
      spec: fc.jsonValue(),
      observed: fc.dictionary(fc.string(), fc.jsonValue()),
      appliedAt: fc.string(),
      connection: fc.option(fc.record({ apiUrl: fc.string() }), { nil: undefined }),
    });
    const state = fc.record({
      version: fc.constant(1),
      stack: fc.string(),
      lineage: fc.string(),
      serial: fc.nat(),
      resources: fc.dictionary(fc.string(), entry),
    });
    fc.assert(
      fc.property(state, (s) => {
        expect(JSON.parse(encodeState(s as StackState).toString("utf8"))).toEqual(JSON.parse(JSON.stringify(s)));
      }),
      { numRuns: 300 },
    );
  });

  it("puts each resource on its own line and nothing else on it", () => {
    const text = encodeState({
      version: 1,
      stack: "s",
      lineage: "l",
      serial: 0,
      resources: {
        "s/a": { kind: "K", id: "1", generation: "g", spec: { x: "a\nb" }, observed: {}, appliedAt: "t" },
        "s/b": { kind: "K", id: "2", generation: "g", spec: {}, observed: {}, appliedAt: "t" },
      },
    }).toString("utf8");
    expect(text.split("\n").filter((l) => l.startsWith('    "s/'))).toEqual([
      '    "s/a": {"kind":"K","id":"1","generation":"g","spec":{"x":"a\\nb"},"observed":{},"appliedAt":"t"},',
      '    "s/b": {"kind":"K","id":"2","generation":"g","spec":{},"observed":{},"appliedAt":"t"}',
    ]);
    expect(encodeState({ version: 1, stack: "s", lineage: "l", serial: 0, resources: {} }).toString("utf8")).toBe(
      '{\n  "version": 1,\n  "stack": "s",\n  "lineage": "l",\n  "serial": 0,\n  "resources": {}\n}\n',
    );
  });
});
