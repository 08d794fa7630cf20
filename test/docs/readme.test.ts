/**
 * The README is the front page: short, and the commands it gives a new reader are the ones that
 * work on a fresh clone and the ones CI runs (.ci/run runs exactly the README's set-up and test).
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
/** The commands of the README's ```sh blocks, comments dropped, one per line. */
const commands = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map(([, body]) =>
  body
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter(Boolean),
);

describe("the README", () => {
  it("is a front page of at most 250 lines", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(250);
  });

  it("gives `npm install` then `npm run demo` as the demo, and `npm test` as the test command, as CI runs them", () => {
    expect(commands).toContainEqual(["npm install", "npm run demo"]);
    expect(commands).toContainEqual(["npm test"]);
    const ci = readFileSync(path.join(ROOT, ".ci", "run"), "utf8")
      .split("\n")
      .filter((l) => /^npm /.test(l));
    expect(ci.map((l) => l.replace(/ --no-audit --no-fund$/, ""))).toEqual(["npm install", "npm test"]);
    const scripts = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(["demo", "test"]));
  });

  it("says how to install without a registry, since the package is not published", () => {
    expect(readme).toMatch(/not published on the npm registry/);
    expect(commands.flat()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^npm install \.\/reposmith-[\d.]+\.tgz /),
        expect.stringMatching(/^npm install "git\+https:/),
      ]),
    );
  });
});
