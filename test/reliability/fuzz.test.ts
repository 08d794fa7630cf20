/**
 * S8.4: fast-check fuzzing of every construct's props. Whatever a TypeScript or JavaScript user
 * passes, a construct either throws a ValidationError whose every problem names a field the user
 * gave, or synthesizes a hook payload whose spec parses back with its kind's spec schema (to the very
 * same canonical JSON: re-reading a stack never changes it), whose generation is the spec's hash, and
 * whose connection and lifecycle are well-formed. Anything else (TypeError, RangeError, a plain Error,
 * a spec the engine would refuse) is a failure, shrunk by fast-check to a minimal counterexample.
 * Then valid props with exactly one field broken: a ValidationError must name that very field.
 */
import fc from "fast-check";
import { Testing, TerraformStack } from "cdktf";
import {
  CloudsmithConnection,
  CodeArtsConnection,
  EntitlementSync,
  EntitlementToken,
  PackageCopy,
  PackageMirror,
  RepositoryMirror,
  ValidationError,
} from "../../src";
import { LifecycleSchema } from "../../src/resources/lifecycle";
import { handlerFor } from "../../src/resources/registry";
import { canonicalJson } from "../../src/util/canonical";
import { payloadReader } from "../../src/engine";
import { arbitraries, oneFieldBroken, type Break } from "./fuzz-arbitraries";
import { announceFigures, hangGuard, LONG, recordFigures, seedFor } from "./helpers";
import type { HookPayload } from "../../src/resources/payload";

announceFigures("fuzz (fast-check)");

/** Cases per kind: ≥ 10,000 in all for the long run, a few hundred inside npm test (each property). */
const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? (LONG ? 1500 : 60));
const seed = seedFor("fuzz");
const figures = {
  fuzzCases: 0,
  validSynths: 0,
  validationErrors: 0,
  fuzzCrashes: 0,
  invalidSynths: 0,
  misnamedFields: 0,
  brokenFieldCases: 0,
};

afterAll(() => {
  recordFigures("fuzz (fast-check)", { seed, runsPerKind: RUNS, ...figures });
  process.stdout.write(
    `[reliability] fuzz: ${figures.fuzzCases} cases (${figures.brokenFieldCases} with one field broken): ${figures.validSynths} valid synths, ` +
      `${figures.validationErrors} validation errors (${figures.misnamedFields} not naming the field), ${figures.fuzzCrashes} crashes, ${figures.invalidSynths} invalid synths\n`,
  );
});

// ---------------------------------------------------------------------------------------------------
// What a ValidationError names
// ---------------------------------------------------------------------------------------------------

/** The problems of a ValidationError: `<Kind> at "<path>": <problem>`, or one per `\n  - ` line. */
function problemsOf(err: ValidationError): string[] {
  const head = /^[^\n]* at "[^"\n]*":( |\n {2}- )/.exec(err.message);
  if (!head)
    throw new Error(`a ValidationError not of the form <Kind> at "<path>": <problems>: ${JSON.stringify(err.message)}`);
  const body = err.message.slice(head[0].length);
  return head[1] === " " ? [body] : body.split("\n  - ");
}

/** Whether `problem` names the field at dotted `path` (not as part of a longer name). */
function names(problem: string, path: string): boolean {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w.])${escaped}(?!\\w)`).test(problem);
}

/** Every field path the user gave: keys, down through plain objects (null-prototype ones too) and arrays. */
function givenPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== "object") return [];
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return [];
  return Object.keys(value).flatMap((k) => [
    [...prefix, k],
    ...givenPaths((value as Record<string, unknown>)[k], [...prefix, k]),
  ]);
}

/** The path of a problem about unknown keys (`[<path>: ]unknown field(s) "a", "b"`); undefined for other problems. */
function unknownKeysAt(problem: string): string | undefined {
  const m = /^(?:(.*): )?unknown field\(s\) "/.exec(problem);
  return m ? (m[1] ?? "") : undefined;
}

/** Every problem names a field the props gave (so a problem about a field nobody touched fails). */
function checkNamesGivenFields(err: ValidationError, label: string, props: Record<string, unknown>): void {
  const given = givenPaths(props);
  for (const p of problemsOf(err)) {
    // Keys are quoted as given (quotes in them too): an unknown-keys problem names a key given at its path.
    const at = unknownKeysAt(p);
    const ok =
      at === undefined
        ? given.some((g) => names(p, g.join(".")))
        : given.some((g) => g.slice(0, -1).join(".") === at && p.includes(`"${g[g.length - 1]}"`));
    if (!ok) {
      figures.misnamedFields++;
      throw new Error(`${label}: a validation problem names no field the props gave: ${JSON.stringify(p)}`);
    }
  }
}

/** Every problem names the one field that was broken (an unknown key: that key, where it was added). */
function checkNamesBrokenField(err: ValidationError, label: string, broken: Break): void {
  const path = broken.path.join(".");
  const parent = broken.path.slice(0, -1).join(".");
  for (const p of problemsOf(err)) {
    // Unknown keys are worded two ways ("unknown field(s) "k"", zod's "Unrecognized key: "k""): either names the key, under its parent.
    const ok =
      broken.how === "unknown key"
        ? p.includes(`"${broken.key}"`) && (parent === "" || names(p, parent))
        : names(p, path);
    if (!ok) {
      figures.misnamedFields++;
      throw new Error(
        `${label}: broke ${broken.how === "unknown key" ? `${parent || "the props"} with unknown key "${broken.key}"` : path}, but a validation problem says: ${JSON.stringify(p)}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// What a synth must look like
// ---------------------------------------------------------------------------------------------------

type HookInput = HookPayload;

/** The hook payloads of a synthesized stack, checked the way the engine will read them. */
function checkSynth(stack: TerraformStack): number {
  const doc = JSON.parse(Testing.synth(stack, true)) as {
    resource?: Record<string, Record<string, { input?: HookInput; triggers_replace?: { identity?: string } }>>;
  };
  let hooks = 0;
  for (const [, res] of Object.entries(doc.resource?.terraform_data ?? {})) {
    if (!res.input || !res.input.kind) continue;
    // As Terraform evaluates it (literals are escaped templates) and the engine then reads it.
    const d = payloadReader("s")(res.input);
    hooks++;
    const parsed = handlerFor(d.kind).spec.safeParse(d.spec);
    if (!parsed.success)
      throw new Error(
        `${d.kind} ${d.key}: synthesized spec does not parse: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
    if (canonicalJson(parsed.data) !== canonicalJson(d.spec))
      throw new Error(
        `${d.kind} ${d.key}: spec changes when read back:\n  synthesized ${canonicalJson(d.spec)}\n  read back   ${canonicalJson(parsed.data)}`,
      );
    if (typeof res.triggers_replace?.identity !== "string")
      throw new Error(`${d.kind} ${d.key}: no identity in triggers_replace`);
    checkConnection(d.kind, (d.connection ?? {}) as Record<string, unknown>);
  }
  return hooks;
}

const ENV = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HTTP = /^https?:\/\/\S+$/;
function checkConnection(kind: string, conn: Record<string, unknown>): void {
  const bad = (why: string) => {
    throw new Error(`${kind}: synthesized connection ${JSON.stringify(conn)}: ${why}`);
  };
  if (conn.apiUrl !== undefined && (typeof conn.apiUrl !== "string" || !HTTP.test(conn.apiUrl)))
    bad("apiUrl is not an http(s) URL");
  if (conn.apiKeyEnv !== undefined && (typeof conn.apiKeyEnv !== "string" || !ENV.test(conn.apiKeyEnv)))
    bad("apiKeyEnv is not a variable name");
  const ca = conn.codearts as Record<string, unknown> | undefined;
  if (ca) {
    for (const k of ["authUrl", "endpoint"])
      if (ca[k] !== undefined && !HTTP.test(String(ca[k]))) bad(`codearts.${k} is not an http(s) URL`);
    for (const k of ["domainEnv", "userEnv", "passwordEnv", "tokenEnv"])
      if (ca[k] !== undefined && !ENV.test(String(ca[k]))) bad(`codearts.${k} is not a variable name`);
    if (
      ca.mirroringEnabledReading !== undefined &&
      ca.mirroringEnabledReading !== "true-means-off" &&
      ca.mirroringEnabledReading !== "true-means-on"
    )
      bad("codearts.mirroringEnabledReading is not a reading");
  }
}

type Build = (stack: TerraformStack, props: Record<string, unknown>) => void;

/**
 * Runs one case: a ValidationError passing `checkError`, or a synth the engine accepts. Anything
 * else throws.
 */
function oneCase(
  label: string,
  build: Build,
  p: Record<string, unknown>,
  checkError: (err: ValidationError) => void,
): void {
  figures.fuzzCases++;
  const stack = new TerraformStack(Testing.app(), "s");
  try {
    build(stack, p);
  } catch (err) {
    if (err instanceof ValidationError) {
      figures.validationErrors++;
      checkError(err);
      return;
    }
    figures.fuzzCrashes++;
    throw new Error(`${label} crashed with ${(err as Error)?.name}: ${(err as Error)?.message}`);
  }
  try {
    checkSynth(stack);
    figures.validSynths++;
  } catch (err) {
    figures.invalidSynths++;
    throw err;
  }
}

/** Half the cases probe validation (junk at about one choice in 13), half reach synth with legal oddities. */
const probing = arbitraries(1);
const plausible = arbitraries(10);
type Arbs = ReturnType<typeof arbitraries>;
const mix = (pick: (a: Arbs) => fc.Arbitrary<Record<string, unknown>>) => fc.oneof(pick(probing), pick(plausible));

/** Label (a kind, or how it is built), props, and how to build it. */
const KINDS: [string, fc.Arbitrary<Record<string, unknown>>, Build][] = [
  ["EntitlementToken", mix((a) => a.tokenProps), (s, p) => new EntitlementToken(s, "tok", p as never)],
  [
    "EntitlementToken.forDefaultToken",
    mix((a) => a.tokenProps).map(({ name: _n, ...rest }) => rest),
    (s, p) => EntitlementToken.forDefaultToken(s, "default", p as never),
  ],
  ["EntitlementSync", mix((a) => a.syncProps), (s, p) => new EntitlementSync(s, "sync", p as never)],
  ["PackageCopy", mix((a) => a.copyProps), (s, p) => new PackageCopy(s, "copy", p as never)],
  ["PackageMirror", mix((a) => a.mirrorProps), (s, p) => new PackageMirror(s, "mirror", p as never)],
  ["RepositoryMirror", mix((a) => a.repoMirrorProps), (s, p) => new RepositoryMirror(s, "mirror", p as never)],
  [
    "CloudsmithConnection",
    mix((a) => a.csConnProps),
    (s, p) => {
      new CloudsmithConnection(s, "cloudsmith", p as never);
      new EntitlementToken(s, "tok", { owner: "acme", repository: "prod", name: "tok" });
    },
  ],
  [
    "CodeArtsConnection",
    mix((a) => a.caConnProps),
    (s, p) => {
      new CodeArtsConnection(s, "codearts", p as never);
      new RepositoryMirror(s, "mirror", { repositoryId: 1, sourceUrl: "https://git.example.com/a.git" });
    },
  ],
];

/** fast-check's verdict as a string: empty when the property held. */
function check<T>(arb: fc.Arbitrary<T>, run: (value: T) => void): string {
  const result = fc.check(fc.property(arb, run), { numRuns: RUNS, seed, endOnFailure: !LONG });
  return result.failed
    ? `${String((result.errorInstance as Error)?.message ?? result.errorInstance)}\n${fc.defaultReportMessage(result)}`
    : "";
}

describe("fast-check fuzzing of construct props", () => {
  const timeout = hangGuard((LONG ? 20 : 2) * 60_000);

  it.each(KINDS)(
    `%s: ${RUNS} cases, only ValidationErrors naming fields the props gave, or valid synths`,
    (label, arb, build) => {
      expect(check(arb, (p) => oneCase(label, build, p, (err) => checkNamesGivenFields(err, label, p)))).toBe("");
    },
    timeout,
  );

  it.each(KINDS)(
    `%s: ${RUNS} valid props with one field broken, and a ValidationError names that field`,
    (label, _arb, build) => {
      const run = ({ props, broken }: { props: Record<string, unknown>; broken: Break }) => {
        figures.brokenFieldCases++;
        oneCase(label, build, props, (err) => checkNamesBrokenField(err, label, broken));
      };
      expect(check(oneFieldBroken(label), run)).toBe("");
    },
    timeout,
  );
});
