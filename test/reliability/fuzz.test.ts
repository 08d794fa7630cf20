/**
 * S8.4: fast-check fuzzing of every construct's props. Whatever a TypeScript or JavaScript user
 * passes, a construct either throws a ValidationError whose every problem names a field, or
 * synthesizes a hook payload whose spec parses back with its kind's spec schema (to the very same
 * canonical JSON: re-reading a stack never changes it), whose generation is the spec's hash, and
 * whose connection and lifecycle are well-formed. Anything else (TypeError, RangeError, a plain Error,
 * a spec the engine would refuse) is a failure, shrunk by fast-check to a minimal counterexample.
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
  Secret,
  ValidationError,
} from "../../src";
import { BANDWIDTH_UNITS, RESET_PERIODS } from "../../src/api/cloudsmith";
import { MANAGED_FIELDS } from "../../src/resources/entitlement-token";
import { LifecycleSchema } from "../../src/resources/lifecycle";
import { PACKAGE_FORMATS } from "../../src/resources/package-common";
import { handlerFor } from "../../src/resources/registry";
import { canonicalJson, generationOf } from "../../src/util/canonical";
import { LONG, recordFigures, seedFor } from "./helpers";
import type { HookPayload } from "../../src/resources/payload";

/** Cases per kind: ≥ 10,000 in all for the long run, a few hundred inside npm test. */
const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? (LONG ? 1500 : 60));
const seed = seedFor("fuzz");
const figures = { fuzzCases: 0, validSynths: 0, validationErrors: 0, fuzzCrashes: 0, invalidSynths: 0 };
const failures: string[] = [];

afterAll(() => {
  recordFigures("fuzz (fast-check)", { seed, runsPerKind: RUNS, ...figures });
  process.stdout.write(`[reliability] fuzz: ${figures.fuzzCases} cases: ${figures.validSynths} valid synths, ${figures.validationErrors} validation errors, ${figures.fuzzCrashes} crashes, ${figures.invalidSynths} invalid synths\n`);
});

// ---------------------------------------------------------------------------------------------------
// Arbitraries: mostly plausible values, sometimes anything at all (a JavaScript user's mistakes).
// ---------------------------------------------------------------------------------------------------

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.date({ noInvalidDate: false }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  // Sometimes with a null prototype (Object.create(null)): such an object cannot even be turned into a string.
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
/**
 * The props arbitraries, `bias` times likelier to pick a plausible value over junk at each choice:
 * low bias probes validation, high bias reaches valid synths with unusual but legal values.
 */
function arbitraries(bias: number) {
  /** `valid` most of the time, junk otherwise. */
  const or = <T>(valid: fc.Arbitrary<T>, weight = 12): fc.Arbitrary<unknown> => fc.oneof({ weight: weight * bias, arbitrary: valid }, { weight: 1, arbitrary: junk });
  const slug = fc.oneof({ weight: 6 * bias, arbitrary: fc.stringMatching(/^[A-Za-z0-9][-A-Za-z0-9_]{0,15}$/) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
  const text = (max = 40) => fc.oneof({ weight: 6 * bias, arbitrary: fc.string({ minLength: 1, maxLength: max }) }, { weight: 1, arbitrary: fc.constantFrom("", " ", "\n", "\u0000", "𝔘", "x".repeat(1100)) });
  const count = fc.oneof({ weight: 8 * bias, arbitrary: fc.nat({ max: 1_000_000 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity, -0) });
  const isoDate = fc.oneof(
    { weight: 6 * bias, arbitrary: fc.date({ min: new Date("1970-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString()) },
    { weight: 2 * bias, arbitrary: fc.date({ noInvalidDate: false }) },
    { weight: 1, arbitrary: fc.constantFrom("2026-01-01", "2026-01-01T00:00:00+02:00", "2026-13-40T00:00:00Z", "next tuesday", "2026-01-01T25:00:00Z") },
  );
  const duration = fc.oneof(
    { weight: 4 * bias, arbitrary: fc.constantFrom("90d", "12h", "30m", "45s", "500ms", "1h", "10m") },
    { weight: 2 * bias, arbitrary: fc.integer({ min: 1, max: 100_000 }) },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom("1w", "0s", "-1d", "soon", "10 m", "1e3s"), fc.integer({ min: -10, max: 0 }), fc.double()) },
  );
  const stringMap = fc.dictionary(fc.string({ maxLength: 10 }), or(fc.string({ maxLength: 10 }), 8), { maxKeys: 4, noNullPrototype: true });
  const lifecycle = { driftPolicy: or(fc.constantFrom("correct", "report", "ignore"), 3), deletionPolicy: or(fc.constantFrom("retain", "delete"), 3) };
  const envRef = fc.oneof({ weight: 6 * bias, arbitrary: fc.constantFrom("GIT_USER", "GIT_PASSWORD", "HW_USER_NAME", "_X1").map((n) => Secret.fromEnv(n)) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) });
  const url = fc.oneof(
    { weight: 3 * bias, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
    { weight: 1, arbitrary: fc.constantFrom("https://git.example.com/app.git", "http://127.0.0.1:1/v1", "https://user:pw@git.example.com/x.git", "ftp://x", "https://", "not a url", "https://exa mple.com") },
  );
  /** Keys present or absent; a few props objects gain an unknown key (a typo). */
  function props<T extends Record<string, fc.Arbitrary<unknown>>>(model: T, required: (keyof T)[]): fc.Arbitrary<Record<string, unknown>> {
    const base = fc.record(model, { requiredKeys: required as never[] }) as fc.Arbitrary<Record<string, unknown>>;
    const typo = fc.oneof({ weight: 12 * bias, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom("limit", "nmae", "sourceURL", "__proto__", "constructor") });
    return fc.tuple(base, typo, junk).map(([p, extra, v]) => {
      if (extra === null) return p;
      const out = { ...p };
      Object.defineProperty(out, extra, { value: v, enumerable: true, writable: true, configurable: true });
      return out;
    });
  }

  const tokenLimits = props(
    {
      dateRangeFrom: isoDate,
      dateRangeTo: isoDate,
      numClients: count,
      numDownloads: count,
      bandwidth: or(props({ amount: count, unit: or(fc.constantFrom(...BANDWIDTH_UNITS, "Gigabit")) }, ["amount"])),
      packageQuery: text(1100),
      pathQuery: text(),
    },
    [],
  );
  const tokenProps = props(
    {
      owner: slug,
      repository: slug,
      name: text(300),
      enabled: or(fc.boolean()),
      active: fc.oneof({ weight: 6 * bias, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: junk }, { weight: 1, arbitrary: fc.boolean() }),
      privateBroadcasts: or(fc.boolean()),
      rotation: or(props({ triggers: or(stringMap), maxAge: duration }, [])),
      resetTriggers: or(stringMap),
      ignoreChanges: or(fc.array(fc.oneof(fc.constantFrom(...MANAGED_FIELDS), fc.string({ maxLength: 12 })), { maxLength: 4 })),
      eulaRequired: or(fc.boolean()),
      limits: or(tokenLimits, 8),
      scheduledResetPeriod: or(fc.constantFrom(...RESET_PERIODS, "Hourly")),
      metadata: or(fc.dictionary(fc.oneof({ weight: 6 * bias, arbitrary: fc.string({ maxLength: 10 }) }, { weight: 1, arbitrary: fc.constantFrom("managed-by", "key", "__proto__") }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4, noNullPrototype: true })),
      ...lifecycle,
    },
    ["owner", "repository", "name"],
  );
  const packageSelector = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9]{12}$/),
    props({ format: or(fc.constantFrom(...PACKAGE_FORMATS, "npmjs")), name: text(), version: text(20) }, ["format", "name", "version"]),
    junk,
  );
  const syncOptions = { waitForSync: or(props({ timeout: duration }, [])), resyncAttempts: or(fc.integer({ min: -2, max: 12 })) };
  const copyProps = props(
    { source: or(props({ owner: slug, repository: slug, package: packageSelector }, ["owner", "repository", "package"]), 10), destination: slug, republish: or(fc.boolean()), ...syncOptions, ...lifecycle },
    ["source", "destination"],
  );
  const mirrorProps = props(
    {
      source: or(props({ owner: slug, repository: slug }, ["owner", "repository"]), 10),
      destination: slug,
      query: or(fc.oneof(fc.constantFrom("tag:release AND format:npm", '(name:"a b")', "(", ")", '"x'), fc.string({ maxLength: 40 }))),
      prune: or(fc.boolean()),
      parallelism: or(fc.integer({ min: -1, max: 60 })),
      ...syncOptions,
      ...lifecycle,
    },
    ["source", "destination"],
  );
  const syncProps = props({ owner: slug, source: slug, target: slug, replaceTargetTokens: or(fc.constant(true), 8), ...lifecycle }, ["owner", "source", "target", "replaceTargetTokens"]);
  const repoMirrorProps = props(
    {
      repositoryId: or(fc.oneof({ weight: 6 * bias, arbitrary: fc.integer({ min: -5, max: 2_147_483_650 }) }, { weight: 1, arbitrary: fc.double() })),
      sourceUrl: url,
      syncBranchType: or(fc.constantFrom("all", "default", "main")),
      scheduledSync: or(fc.boolean()),
      credentials: or(props({ username: envRef, password: envRef }, ["username", "password"])),
      endpointUuid: or(fc.oneof(fc.uuid(), fc.constant(""))),
      forceFetch: or(fc.boolean()),
      syncTriggers: or(stringMap),
      waitForSync: or(props({ timeout: duration, pollInterval: duration }, [])),
      ...lifecycle,
    },
    ["repositoryId", "sourceUrl"],
  );
  const csConnProps = props({ apiUrl: or(url), apiKey: or(envRef) }, []);
  const caConnProps = props(
    {
      region: or(fc.constantFrom("cn-north-4", "ap-southeast-1", "eu-west-101", "CN-NORTH-4", "mars")),
      authUrl: or(url),
      endpoint: or(url),
      projectName: or(text()),
      domainName: or(envRef),
      userName: or(envRef),
      password: or(envRef),
      token: or(envRef),
      mirroringEnabledReading: or(fc.constantFrom("true-means-off", "true-means-on", "inverted")),
      mirroringEnabledInverted: or(fc.boolean()),
    },
    [],
  );
  return { tokenProps, syncProps, copyProps, mirrorProps, repoMirrorProps, csConnProps, caConnProps };
}

// ---------------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------------

const FIELDS: Record<string, string[]> = {
  EntitlementToken: ["owner", "repository", "name", "enabled", "active", "privateBroadcasts", "rotation", "resetTriggers", "ignoreChanges", "eulaRequired", "limits", "scheduledResetPeriod", "metadata", "driftPolicy", "deletionPolicy"],
  EntitlementSync: ["owner", "source", "target", "replaceTargetTokens", "driftPolicy", "deletionPolicy"],
  PackageCopy: ["source", "destination", "republish", "waitForSync", "resyncAttempts", "driftPolicy", "deletionPolicy", "format", "name", "version"],
  PackageMirror: ["source", "destination", "query", "prune", "parallelism", "waitForSync", "resyncAttempts", "driftPolicy", "deletionPolicy"],
  RepositoryMirror: ["repositoryId", "sourceUrl", "syncBranchType", "scheduledSync", "credentials", "endpointUuid", "forceFetch", "syncTriggers", "waitForSync", "driftPolicy", "deletionPolicy"],
  CloudsmithConnection: ["apiUrl", "apiKey"],
  CodeArtsConnection: ["region", "authUrl", "endpoint", "projectName", "domainName", "userName", "password", "token", "mirroringEnabledReading", "mirroringEnabledInverted"],
};

/** A ValidationError every problem of which names a field (or says an unknown one was given). */
function checkValidationError(err: ValidationError, kind: string): void {
  const body = err.message.slice(err.message.indexOf('": ') + 3);
  const problems = body.startsWith("\n  - ") ? body.split("\n  - ").slice(1) : [body];
  const fields = [...FIELDS[kind], ...FIELDS.CloudsmithConnection, ...FIELDS.CodeArtsConnection];
  for (const p of problems) {
    if (!/unknown field/.test(p) && !fields.some((f) => p.includes(f))) throw new Error(`${kind}: a validation problem names no field: ${JSON.stringify(p)}`);
  }
}

type HookInput = HookPayload;

/** The hook payloads of a synthesized stack, checked the way the engine will read them. */
function checkSynth(stack: TerraformStack): number {
  const doc = JSON.parse(Testing.synth(stack, true)) as { resource?: Record<string, Record<string, { input?: HookInput; triggers_replace?: { generation?: string } }>> };
  let hooks = 0;
  for (const [, res] of Object.entries(doc.resource?.terraform_data ?? {})) {
    const p = res.input;
    if (!p || !p.kind) continue;
    hooks++;
    const parsed = handlerFor(p.kind).spec.safeParse(JSON.parse(p.spec));
    if (!parsed.success) throw new Error(`${p.kind} ${p.key}: synthesized spec does not parse: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    if (canonicalJson(parsed.data) !== p.spec) throw new Error(`${p.kind} ${p.key}: spec changes when read back:\n  synthesized ${p.spec}\n  read back   ${canonicalJson(parsed.data)}`);
    if (p.generation !== generationOf(JSON.parse(p.spec)) || res.triggers_replace?.generation !== p.generation) throw new Error(`${p.kind} ${p.key}: generation is not the spec's hash`);
    const conn = JSON.parse(p.connection) as Record<string, unknown>;
    checkConnection(p.kind, conn);
    if (p.lifecycle !== undefined && !LifecycleSchema.safeParse(JSON.parse(p.lifecycle)).success) throw new Error(`${p.kind} ${p.key}: lifecycle does not parse: ${p.lifecycle}`);
  }
  return hooks;
}

const ENV = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HTTP = /^https?:\/\/\S+$/;
function checkConnection(kind: string, conn: Record<string, unknown>): void {
  const bad = (why: string) => {
    throw new Error(`${kind}: synthesized connection ${JSON.stringify(conn)}: ${why}`);
  };
  if (conn.apiUrl !== undefined && (typeof conn.apiUrl !== "string" || !HTTP.test(conn.apiUrl))) bad("apiUrl is not an http(s) URL");
  if (conn.apiKeyEnv !== undefined && (typeof conn.apiKeyEnv !== "string" || !ENV.test(conn.apiKeyEnv))) bad("apiKeyEnv is not a variable name");
  const ca = conn.codearts as Record<string, unknown> | undefined;
  if (ca) {
    for (const k of ["authUrl", "endpoint"]) if (ca[k] !== undefined && !HTTP.test(String(ca[k]))) bad(`codearts.${k} is not an http(s) URL`);
    for (const k of ["domainEnv", "userEnv", "passwordEnv", "tokenEnv"]) if (ca[k] !== undefined && !ENV.test(String(ca[k]))) bad(`codearts.${k} is not a variable name`);
    if (ca.mirroringEnabledReading !== undefined && ca.mirroringEnabledReading !== "true-means-off" && ca.mirroringEnabledReading !== "true-means-on") bad("codearts.mirroringEnabledReading is not a reading");
  }
}

type Build = (stack: TerraformStack, props: Record<string, unknown>) => void;

/** Runs one case: a ValidationError naming a field, or a synth the engine accepts. Anything else throws. */
function oneCase(kind: string, build: Build, p: Record<string, unknown>): void {
  figures.fuzzCases++;
  const stack = new TerraformStack(Testing.app(), "s");
  try {
    build(stack, p);
  } catch (err) {
    if (err instanceof ValidationError) {
      figures.validationErrors++;
      checkValidationError(err, kind);
      return;
    }
    figures.fuzzCrashes++;
    throw new Error(`${kind} crashed with ${(err as Error)?.name}: ${(err as Error)?.message}`);
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

const KINDS: [string, fc.Arbitrary<Record<string, unknown>>, Build][] = [
  ["EntitlementToken", mix((a) => a.tokenProps), (s, p) => new EntitlementToken(s, "tok", p as never)],
  [
    "EntitlementToken",
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

describe("fast-check fuzzing of construct props", () => {
  it.each(KINDS.map(([kind, arb, build], i) => [i === 1 ? "EntitlementToken.forDefaultToken" : kind, kind, arb, build] as const))(
    `%s: ${RUNS} cases, only field-naming ValidationErrors or valid synths`,
    (_label, kind, arb, build) => {
      const result = fc.check(fc.property(arb, (p) => oneCase(kind, build, p)), { numRuns: RUNS, seed, endOnFailure: !LONG });
      const report = result.failed ? `${String((result.errorInstance as Error)?.message ?? result.errorInstance)}\n${fc.defaultReportMessage(result)}` : "";
      if (result.failed) failures.push(report);
      expect(report).toBe("");
    },
    (LONG ? 20 : 2) * 60_000,
  );
});
