import { formatDuration, parseDuration } from "../../src/util/duration";
import { parseDuration as propDuration } from "../../src/resources/duration";
import { durationMs } from "../../src/resources/repository-mirror-spec";
import { parseDurationFlag } from "../../src/cli/common";

describe("the one duration parser", () => {
  it.each([
    { reason: "days, refused by the old --interval parser", text: "1d", want: 86_400_000 },
    { reason: "weeks", text: "2w", want: 1_209_600_000 },
    { reason: "milliseconds", text: "500ms", want: 500 },
    { reason: "compound, as Go's time.ParseDuration", text: "1h30m", want: 5_400_000 },
    { reason: "a bare number is seconds (from a command line)", text: "90", want: 90_000 },
    { reason: "a number is seconds (a prop)", text: 45, want: 45_000 },
    { reason: "fractions", text: "1.5s", want: 1_500 },
    { reason: "zero", text: "0s", want: 0 },
    { reason: "an unknown unit", text: "5y", want: undefined },
    { reason: "a negative number", text: -1, want: undefined },
    { reason: "junk after a valid part", text: "5m and more", want: undefined },
    { reason: "empty", text: "", want: undefined },
  ])("$reason: $text", ({ text, want }) => {
    expect(parseDuration(text)).toBe(want);
  });

  it("is what every flag and every duration prop reads: 1d is accepted by --interval, maxAge and a mirror's timeout alike", () => {
    expect(parseDurationFlag("--interval", "1d", 100)).toBe(86_400_000);
    expect(propDuration("1d")).toBe(86_400_000);
    expect(durationMs("1d")).toBe(86_400_000);
    expect(() => parseDurationFlag("--interval", "50ms", 100)).toThrow(
      /--interval must be a duration of at least 100ms such as .*\(got "50ms"\)/,
    );
    // A prop must be positive; a flag may be 0 (--lock-timeout 0s, --shutdown-grace 0s).
    expect(propDuration(0)).toBeUndefined();
    expect(parseDurationFlag("--lock-timeout", "0s")).toBe(0);
  });

  it("formats back what it reads", () => {
    for (const ms of [500, 1_500, 90_000, 5_400_000, 86_400_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
    expect(formatDuration(90_000)).toBe("1m30s");
  });
});
