/**
 * What the fuzz suite (fuzz.test.ts) feeds the constructs: props arbitraries, mostly plausible and
 * sometimes anything at all (a JavaScript user's mistakes), and valid props per kind with exactly
 * one field broken, so that a ValidationError can be checked against the field that really was.
 */
import fc from "fast-check";
import { Secret } from "../../src";
import { BANDWIDTH_UNITS, RESET_PERIODS } from "../../src/api/cloudsmith";
import { MANAGED_FIELDS } from "../../src/resources/entitlement-token";
import { PACKAGE_FORMATS } from "../../src/resources/package-common";

export const junk: fc.Arbitrary<unknown> = fc.oneof(
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
export function arbitraries(bias: number) {
  /** `valid` most of the time, junk otherwise. */
  const or = <T>(valid: fc.Arbitrary<T>, weight = 12): fc.Arbitrary<unknown> =>
    fc.oneof({ weight: weight * bias, arbitrary: valid }, { weight: 1, arbitrary: junk });
  const slug = fc.oneof(
    { weight: 6 * bias, arbitrary: fc.stringMatching(/^[A-Za-z0-9][-A-Za-z0-9_]{0,15}$/) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
  const text = (max = 40) =>
    fc.oneof(
      { weight: 6 * bias, arbitrary: fc.string({ minLength: 1, maxLength: max }) },
      { weight: 1, arbitrary: fc.constantFrom("", " ", "\n", "\u0000", "𝔘", "x".repeat(1100)) },
    );
  const count = fc.oneof(
    { weight: 8 * bias, arbitrary: fc.nat({ max: 1_000_000 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(-1, 0, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity, -0),
    },
  );
  const isoDate = fc.oneof(
    {
      weight: 6 * bias,
      arbitrary: fc
        .date({ min: new Date("1970-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
        .map((d) => d.toISOString()),
    },
    { weight: 2 * bias, arbitrary: fc.date({ noInvalidDate: false }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "2026-01-01",
        "2026-01-01T00:00:00+02:00",
        "2026-13-40T00:00:00Z",
        "next tuesday",
        "2026-01-01T25:00:00Z",
      ),
    },
  );
  const duration = fc.oneof(
    { weight: 4 * bias, arbitrary: fc.constantFrom("90d", "12h", "30m", "45s", "500ms", "1h", "10m") },
    { weight: 2 * bias, arbitrary: fc.integer({ min: 1, max: 100_000 }) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constantFrom("1w", "0s", "-1d", "soon", "10 m", "1e3s"),
        fc.integer({ min: -10, max: 0 }),
        fc.double(),
      ),
    },
  );
  const stringMap = fc.dictionary(fc.string({ maxLength: 10 }), or(fc.string({ maxLength: 10 }), 8), {
    maxKeys: 4,
    noNullPrototype: true,
  });
  const lifecycle = {
    driftPolicy: or(fc.constantFrom("correct", "report", "ignore"), 3),
    deletionPolicy: or(fc.constantFrom("retain", "delete"), 3),
  };
  const envRef = fc.oneof(
    {
      weight: 6 * bias,
      arbitrary: fc.constantFrom("GIT_USER", "GIT_PASSWORD", "HW_USER_NAME", "_X1").map((n) => Secret.fromEnv(n)),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  );
  const url = fc.oneof(
    { weight: 3 * bias, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "https://git.example.com/app.git",
        "http://127.0.0.1:1/v1",
        "https://user:pw@git.example.com/x.git",
        "ftp://x",
        "https://",
        "not a url",
        "https://exa mple.com",
      ),
    },
  );
  /** Keys present or absent; a few props objects gain an unknown key (a typo). */
  function props<T extends Record<string, fc.Arbitrary<unknown>>>(
    model: T,
    required: (keyof T)[],
  ): fc.Arbitrary<Record<string, unknown>> {
    const base = fc.record(model, { requiredKeys: required as never[] }) as fc.Arbitrary<Record<string, unknown>>;
    const typo = fc.oneof(
      { weight: 12 * bias, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom("limit", "nmae", "sourceURL", "__proto__", "constructor") },
    );
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
      active: fc.oneof(
        { weight: 6 * bias, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: junk },
        { weight: 1, arbitrary: fc.boolean() },
      ),
      privateBroadcasts: or(fc.boolean()),
      rotation: or(props({ triggers: or(stringMap), maxAge: duration }, [])),
      resetTriggers: or(stringMap),
      ignoreChanges: or(
        fc.array(fc.oneof(fc.constantFrom(...MANAGED_FIELDS), fc.string({ maxLength: 12 })), { maxLength: 4 }),
      ),
      eulaRequired: or(fc.boolean()),
      limits: or(tokenLimits, 8),
      scheduledResetPeriod: or(fc.constantFrom(...RESET_PERIODS, "Hourly")),
      metadata: or(
        fc.dictionary(
          fc.oneof(
            { weight: 6 * bias, arbitrary: fc.string({ maxLength: 10 }) },
            { weight: 1, arbitrary: fc.constantFrom("managed-by", "key", "__proto__") },
          ),
          fc.jsonValue({ maxDepth: 3 }),
          { maxKeys: 4, noNullPrototype: true },
        ),
      ),
      ...lifecycle,
    },
    ["owner", "repository", "name"],
  );
  const packageSelector = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9]{12}$/),
    props({ format: or(fc.constantFrom(...PACKAGE_FORMATS, "npmjs")), name: text(), version: text(20) }, [
      "format",
      "name",
      "version",
    ]),
    junk,
  );
  const syncOptions = {
    waitForSync: or(props({ timeout: duration }, [])),
    resyncAttempts: or(fc.integer({ min: -2, max: 12 })),
  };
  const copyProps = props(
    {
      source: or(
        props({ owner: slug, repository: slug, package: packageSelector }, ["owner", "repository", "package"]),
        10,
      ),
      destination: slug,
      republish: or(fc.boolean()),
      ...syncOptions,
      ...lifecycle,
    },
    ["source", "destination"],
  );
  const mirrorProps = props(
    {
      source: or(props({ owner: slug, repository: slug }, ["owner", "repository"]), 10),
      destination: slug,
      query: or(
        fc.oneof(
          fc.constantFrom("tag:release AND format:npm", '(name:"a b")', "(", ")", '"x'),
          fc.string({ maxLength: 40 }),
        ),
      ),
      prune: or(fc.boolean()),
      parallelism: or(fc.integer({ min: -1, max: 60 })),
      ...syncOptions,
      ...lifecycle,
    },
    ["source", "destination"],
  );
  const syncProps = props(
    { owner: slug, source: slug, target: slug, replaceTargetTokens: or(fc.constant(true), 8), ...lifecycle },
    ["owner", "source", "target", "replaceTargetTokens"],
  );
  const repoMirrorProps = props(
    {
      repositoryId: or(
        fc.oneof(
          { weight: 6 * bias, arbitrary: fc.integer({ min: -5, max: 2_147_483_650 }) },
          { weight: 1, arbitrary: fc.double() },
        ),
      ),
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
// Valid props with one field broken
// ---------------------------------------------------------------------------------------------------

const lifecycle = { driftPolicy: "report", deletionPolicy: "retain" };
/** Fresh every call: a case breaks its own copy. */
const token = () => ({
  owner: "acme",
  repository: "prod",
  enabled: true,
  privateBroadcasts: false,
  rotation: { triggers: { quarter: "2026Q4" }, maxAge: "90d" },
  resetTriggers: { run: "1" },
  ignoreChanges: ["limit_num_downloads"],
  eulaRequired: true,
  limits: {
    dateRangeFrom: "2026-01-01T00:00:00Z",
    dateRangeTo: "2027-12-31T23:59:59Z",
    numClients: 5,
    numDownloads: 1000,
    bandwidth: { amount: 50, unit: "Gigabyte" },
    packageQuery: "tag:release",
  },
  scheduledResetPeriod: "Monthly",
  metadata: { team: "partners" },
  ...lifecycle,
});

/** Props every field of which is valid, per fuzzed kind (same labels as the fuzz suite's KINDS). */
export const VALID: Record<string, () => Record<string, unknown>> = {
  EntitlementToken: () => ({ ...token(), name: "partner" }),
  "EntitlementToken.forDefaultToken": () => token(),
  EntitlementSync: () => ({
    owner: "acme",
    source: "prod",
    target: "staging",
    replaceTargetTokens: true,
    ...lifecycle,
  }),
  PackageCopy: () => ({
    source: { owner: "acme", repository: "staging", package: { format: "npm", name: "left-pad", version: "1.3.0" } },
    destination: "prod",
    republish: false,
    waitForSync: { timeout: "10m" },
    resyncAttempts: 2,
    ...lifecycle,
  }),
  PackageMirror: () => ({
    source: { owner: "acme", repository: "staging" },
    destination: "prod",
    query: "tag:release AND format:npm",
    prune: true,
    parallelism: 4,
    waitForSync: { timeout: "10m" },
    resyncAttempts: 1,
    ...lifecycle,
  }),
  RepositoryMirror: () => ({
    repositoryId: 123,
    sourceUrl: "https://git.example.com/app.git",
    syncBranchType: "all",
    scheduledSync: true,
    credentials: { username: Secret.fromEnv("GIT_USER"), password: Secret.fromEnv("GIT_PASSWORD") },
    forceFetch: false,
    syncTriggers: { run: "1" },
    waitForSync: { timeout: "20m", pollInterval: "30s" },
    ...lifecycle,
  }),
  CloudsmithConnection: () => ({
    apiUrl: "https://api.cloudsmith.io/v1",
    apiKey: Secret.fromEnv("CLOUDSMITH_API_KEY"),
  }),
  CodeArtsConnection: () => ({
    region: "cn-north-4",
    authUrl: "https://iam.cn-north-4.myhuaweicloud.com/v3",
    endpoint: "https://codehub-ext.cn-north-4.myhuaweicloud.com",
    projectName: "cn-north-4",
    domainName: Secret.fromEnv("HW_DOMAIN_NAME"),
    userName: Secret.fromEnv("HW_USER_NAME"),
    password: Secret.fromEnv("HW_USER_PASSWORD"),
    mirroringEnabledInverted: false,
  }),
};

/** Maps of free-form keys: broken as a whole or through one entry, never key by key. */
const MAPS = new Set(["metadata", "triggers", "resetTriggers", "syncTriggers"]);

/** Every field path of `props` a user could get wrong: each key, down through plain objects (not Secrets, arrays or maps). */
export function fieldPaths(props: Record<string, unknown>, prefix: string[] = []): string[][] {
  return Object.entries(props).flatMap(([k, v]) => {
    const here = [...prefix, k];
    const nested = v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype && !MAPS.has(k);
    return [here, ...(nested ? fieldPaths(v as Record<string, unknown>, here) : [])];
  });
}

/** One broken field: `path` set to `value` (a map: one entry of it), or an unknown key added beside it. */
export interface Break {
  path: string[];
  how: "value" | "entry" | "unknown key";
  value: unknown;
  /** The unknown key added, for `how: "unknown key"`. */
  key?: string;
}

/** Valid props of `kind` with exactly one field broken, and what was broken. */
export function oneFieldBroken(kind: string): fc.Arbitrary<{ props: Record<string, unknown>; broken: Break }> {
  const paths = fieldPaths(VALID[kind]());
  return fc
    .tuple(
      fc.constantFrom(...paths),
      fc.constantFrom("value", "value", "entry", "unknown key") as fc.Arbitrary<Break["how"]>,
      junk,
      fc.constantFrom("nmae", "limit", "sourceURL", "Owner"),
    )
    .map(([path, how0, value, key]) => {
      const props = VALID[kind]();
      let parent = props as Record<string, unknown>;
      for (const k of path.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
      const leaf = path[path.length - 1];
      const how = how0 === "entry" && !MAPS.has(leaf) ? "value" : how0;
      if (how === "value") parent[leaf] = value;
      else if (how === "entry") parent[leaf] = { ...(parent[leaf] as object), run: value };
      else Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
      return { props, broken: { path, how, value, key: how === "unknown key" ? key : undefined } };
    });
}
