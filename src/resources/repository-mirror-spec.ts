/**
 * The RepositoryMirror spec (a Huawei Cloud CodeArts Repo repository pulling from a Git source).
 * No secret values: source credentials are the names of environment variables. How `scheduledSync`
 * maps to the API's `mirroring_enabled` is in mirroring-enabled.ts.
 */
import { z } from "zod";
import { SYNC_BRANCH_TYPES, type MirrorInfo } from "../api/codearts";
import { redactUrls, urlProblem, type UrlUse } from "../util/url-credentials";
import { duration } from "./duration";
import { fieldTable, UNMANAGED, type TableInput, type TableOutput } from "./field-table";
import { mapScheduledSync, type MirroringEnabledReading } from "./mirroring-enabled";

export const REPOSITORY_MIRROR_KIND = "RepositoryMirror";

export const MAX_REPOSITORY_ID = 2_147_483_647;

/** A duration prop in milliseconds (the one parser of src/util/duration.ts); undefined when invalid. */
export { parseDuration as durationMs } from "./duration";

const envName = (what: string) =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: `${what} must be an environment variable name (use Secret.fromEnv("NAME"))`,
  });

export const DEFAULT_SYNC_TIMEOUT = "20m";

/**
 * The source address as CodeArts takes it: `url` must start with http:// or https://
 * (https://support.huaweicloud.com/api-codeartsrepo/UpdateRepositoryRemoteMirror.html), with no
 * credentials in it (they go in `credentials` or an endpoint).
 */
const SOURCE_URL: UrlUse = {
  field: "sourceUrl",
  kind: "git",
  example: "https://git.example.com/app.git",
  credentialsHint:
    'give them as credentials: { username: Secret.fromEnv("GIT_USER"), password: Secret.fromEnv("GIT_PASSWORD") ' +
    "}, read from the environment at run time, or as a CodeArts service endpoint (endpointUuid)",
};

/** What the table's `value` functions read of a spec (the full type is derived from the table). */
interface MirrorSpecCore {
  readonly credentials?: { readonly usernameEnv: string; readonly passwordEnv: string };
}

/**
 * The mirror's managed fields, in the order drift and updates list them: each with its prop, how
 * the state projection reads it from ShowRemoteMirror, and what a change of it needs (`put`: PUT
 * remote-mirror, whose body is the table's `body(desired, "put")`; `sync`: a new synchronization;
 * `start`: sent when a synchronization starts, with the credentials).
 * docs/architecture.md#adding-a-field.
 */
export const MIRROR_FIELDS = fieldTable(
  [
    {
      /** The source repository address. */
      api: "url",
      prop: "sourceUrl",
      schema: z
        .string({ error: "sourceUrl is required (e.g. https://git.example.com/app.git)" })
        .superRefine((u, ctx) => {
          // One accurate message per mistake, and never the credential itself (it would land in CI logs).
          const problem = urlProblem(u, SOURCE_URL);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        }),
      // Never a credential in state or plans: one typed into the URL in the console shows as "***@" (and is drift).
      read: (m: MirrorInfo) => (m.url ? redactUrls(m.url) : null),
      needs: ["put", "sync"],
    },
    {
      /** Scheduled (periodic) synchronization on or off, in plain words (mapped by mirroring-enabled.ts). */
      api: "scheduled_sync",
      prop: "scheduledSync",
      schema: z.boolean({ error: "scheduledSync must be true or false" }).default(true),
      // A mirror that does not report mirroring_enabled says nothing about its schedule.
      nullIsUnknown: true,
      read: (m: MirrorInfo, reading: MirroringEnabledReading) => {
        const raw = m.mirroring_enabled;
        return raw === null || raw === undefined ? null : mapScheduledSync(raw, reading);
      },
      needs: ["put"],
      sendAs: "mirroring_enabled",
      send: (on: boolean, reading: MirroringEnabledReading) => mapScheduledSync(on, reading),
    },
    {
      /** A service endpoint holding the source credentials. */
      api: "endpoint_uuid",
      prop: "endpointUuid",
      schema: z.string().min(1, { error: "endpointUuid must not be empty" }).optional(),
      // Never sent empty: what "" does in the PUT is not documented (docs/api/codearts-repo.md#update-mirror-settings).
      // An endpoint the spec does not name cannot be cleared through the documented PUT: it is reported
      // (the handler's notice), not planned as a change that cannot be made.
      unset: UNMANAGED,
      blankShownAsNull: true,
      needs: ["put", "sync", "start"],
    },
    {
      api: "sync_branch_type",
      prop: "syncBranchType",
      schema: z
        .enum(SYNC_BRANCH_TYPES, {
          error: (i) => `syncBranchType must be "all" or "default" (got ${JSON.stringify(i.input)})`,
        })
        .default("all"),
      // Found without state (adopted): the branch setting cannot be read, so it is written once.
      writeOnly: "once",
      needs: ["put"],
    },
    {
      /** Source credentials: variable names, resolved when a sync starts, sent base64-encoded. */
      api: "credentials",
      prop: "credentials",
      schema: z
        .object({ usernameEnv: envName("credentials.username"), passwordEnv: envName("credentials.password") })
        .strict()
        .optional(),
      // Plans show the variables' names, never their values.
      value: (spec: MirrorSpecCore) =>
        spec.credentials
          ? { username: `$${spec.credentials.usernameEnv}`, password: `$${spec.credentials.passwordEnv}` }
          : null,
      compare: "json",
      writeOnly: true,
      needs: ["sync"],
    },
    {
      api: "force_fetch",
      prop: "forceFetch",
      schema: z.boolean({ error: "forceFetch must be true or false" }).default(false),
      writeOnly: true,
      needs: ["sync", "start"],
    },
    {
      /** Any change of these values starts one synchronization. */
      api: "sync_triggers",
      prop: "syncTriggers",
      schema: z.record(z.string(), z.string()).optional(),
      unset: {},
      compare: "json",
      writeOnly: true,
      shown: "given",
      needs: ["sync"],
    },
  ],
  {},
  {
    create: [
      "repository_id",
      "url",
      "sync_branch_type",
      "scheduled_sync",
      "force_fetch",
      "wait_for_sync",
      "endpoint_uuid",
      "credentials",
      "sync_triggers",
    ],
    state: ["repository_id", "mirror_id", "url", "scheduled_sync", "mirroring_enabled", "endpoint_uuid"],
  },
);

/** The props the table does not hold: the identity and the wait for a started sync. */
const OtherProps = z.object({
  /** The CodeArts repository that mirrors (`repository_id`, 1..2147483647). Changing it replaces the mirror. */
  repositoryId: z
    .number({ error: "repositoryId must be a number (the CodeArts repository id, e.g. 123)" })
    .int({ error: "repositoryId must be a whole number" })
    .min(1, { error: "repositoryId must be at least 1" })
    .max(MAX_REPOSITORY_ID, { error: `repositoryId must be at most ${MAX_REPOSITORY_ID}` }),
  waitForSync: z
    .object({
      timeout: duration("waitForSync.timeout").default(DEFAULT_SYNC_TIMEOUT),
      pollInterval: duration("waitForSync.pollInterval").optional(),
    })
    .strict()
    .default({ timeout: DEFAULT_SYNC_TIMEOUT }),
});

type MirrorFields = typeof MIRROR_FIELDS.fields;
export type RepositoryMirrorSpec = z.output<typeof OtherProps> & TableOutput<MirrorFields>;
export type RepositoryMirrorInput = z.input<typeof OtherProps> & TableInput<MirrorFields>;

const P = MIRROR_FIELDS.props;
const O = OtherProps.shape;
/** In the order specs were always parsed in: state keeps the parsed spec as it is. */
export const RepositoryMirrorSpecSchema = z
  .object({
    repositoryId: O.repositoryId,
    sourceUrl: P.sourceUrl,
    syncBranchType: P.syncBranchType,
    scheduledSync: P.scheduledSync,
    credentials: P.credentials,
    endpointUuid: P.endpointUuid,
    forceFetch: P.forceFetch,
    syncTriggers: P.syncTriggers,
    waitForSync: O.waitForSync,
  })
  .strict() as unknown as z.ZodType<RepositoryMirrorSpec, RepositoryMirrorInput>;

/** The environment variables holding the source credentials, when the spec names them (read when a sync starts). */
export const credentialEnvs = (spec: RepositoryMirrorSpec): { username: string; password: string } | undefined =>
  spec.credentials && { username: spec.credentials.usernameEnv, password: spec.credentials.passwordEnv };
