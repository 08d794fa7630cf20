/** The progress a non-terminal gets (CI logs): heartbeats of steps in flight and of rate-limit pauses, every 10 s. */
import { PassThrough } from "node:stream";
import { ProgressDisplay } from "../../src/cli/output";

function display() {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d) => (text += d));
  const p = new ProgressDisplay(out as unknown as NodeJS.WriteStream, false);
  return { p, lines: () => text.split("\n").filter(Boolean) };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe("ProgressDisplay on a non-terminal", () => {
  it("says a rate-limit pause once, then every 10 s while it lasts, and stops when it ends", () => {
    const { p, lines } = display();
    p.rateLimited("Cloudsmith", 25_000);
    expect(lines()).toEqual(["Cloudsmith API rate limit reached (429): every request waits 25s"]);
    jest.advanceTimersByTime(10_000);
    expect(lines()[1]).toBe("Still paused by the Cloudsmith API rate limit... [10s elapsed, 15s left]");
    jest.advanceTimersByTime(10_000);
    expect(lines()[2]).toBe("Still paused by the Cloudsmith API rate limit... [20s elapsed, 5s left]");
    jest.advanceTimersByTime(30_000);
    expect(lines()).toHaveLength(3);
    p.stop();
  });

  it("prints Still creating for a step in flight every 10 s with its last progress message, and nothing once it ended", () => {
    const { p, lines } = display();
    const ev = { stack: "app", key: "app/promote", label: "x", action: "create" as const };
    p.step({ ...ev, phase: "start" });
    p.update("app/promote", { message: "sync in progress (stage: Scanning Package)" });
    jest.advanceTimersByTime(10_000);
    jest.advanceTimersByTime(10_000);
    p.step({ ...ev, phase: "done" });
    jest.advanceTimersByTime(30_000);
    expect(lines()).toEqual([
      "app/promote: Still creating... [10s elapsed] sync in progress (stage: Scanning Package)",
      "app/promote: Still creating... [20s elapsed] sync in progress (stage: Scanning Package)",
    ]);
    p.stop();
  });
});
