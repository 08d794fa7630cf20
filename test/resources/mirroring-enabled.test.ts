/** The one mapping between scheduledSync and CodeArts' mirroring_enabled, and the reading in force. */
import { describeWrite, mapScheduledSync, readingInForce } from "../../src/resources/mirroring-enabled";
import type { CodeArtsConnectionRef } from "../../src/resources/types";

describe("readingInForce", () => {
  const cases: { reason: string; ref: CodeArtsConnectionRef | undefined; want: ReturnType<typeof readingInForce> }[] = [
    {
      reason: "no connection: the update API's documented reading",
      ref: undefined,
      want: { reading: "true-means-off", setBy: "default" },
    },
    {
      reason: "a connection that sets nothing",
      ref: { region: "cn-north-4" },
      want: { reading: "true-means-off", setBy: "default" },
    },
    {
      reason: "mirroringEnabledReading",
      ref: { mirroringEnabledReading: "true-means-on" },
      want: { reading: "true-means-on", setBy: "mirroringEnabledReading" },
    },
    // Stacks synthesized, and state written, before mirroringEnabledReading existed.
    {
      reason: "the older mirroringEnabledInverted: true",
      ref: { mirroringEnabledInverted: true },
      want: { reading: "true-means-off", setBy: "mirroringEnabledInverted" },
    },
    {
      reason: "the older mirroringEnabledInverted: false",
      ref: { mirroringEnabledInverted: false },
      want: { reading: "true-means-on", setBy: "mirroringEnabledInverted" },
    },
    {
      reason: "both: the named reading wins",
      ref: { mirroringEnabledReading: "true-means-off", mirroringEnabledInverted: false },
      want: { reading: "true-means-off", setBy: "mirroringEnabledReading" },
    },
  ];
  it.each(cases)("$reason", ({ ref, want }) => {
    expect(readingInForce(ref)).toEqual(want);
  });
});

describe("mapScheduledSync", () => {
  it("sends and reads true as 'off' under the documented reading, as 'on' under the other, both ways", () => {
    expect([true, false].map((v) => mapScheduledSync(v, "true-means-off"))).toEqual([false, true]);
    expect([true, false].map((v) => mapScheduledSync(v, "true-means-on"))).toEqual([true, false]);
    for (const r of ["true-means-off", "true-means-on"] as const)
      for (const v of [true, false]) expect(mapScheduledSync(mapScheduledSync(v, r), r)).toBe(v);
  });
});

describe("describeWrite", () => {
  it("names the value sent, the reading and where it comes from", () => {
    expect(describeWrite(false, readingInForce(undefined))).toBe(
      'sends mirroring_enabled=true (documented reading, the default: true = scheduled sync off; CodeArtsConnection mirroringEnabledReading: "true-means-on" reads it the other way)',
    );
    expect(describeWrite(false, readingInForce({ mirroringEnabledReading: "true-means-on" }))).toBe(
      'sends mirroring_enabled=false (against the update API\'s documentation, set by CodeArtsConnection mirroringEnabledReading: "true-means-on": true = scheduled sync on)',
    );
    expect(describeWrite(true, readingInForce({ mirroringEnabledReading: "true-means-off" }))).toBe(
      'sends mirroring_enabled=false (documented reading, set by CodeArtsConnection mirroringEnabledReading: "true-means-off": true = scheduled sync off)',
    );
    expect(describeWrite(false, readingInForce({ mirroringEnabledInverted: false }))).toBe(
      "sends mirroring_enabled=false (against the update API's documentation, set by the deprecated CodeArtsConnection mirroringEnabledInverted: false: true = scheduled sync on)",
    );
  });
});
