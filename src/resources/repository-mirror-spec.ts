/**
 * The RepositoryMirror spec (a Huawei Cloud CodeArts Repo repository pulling from a Git source).
 * No secret values: source credentials are the names of environment variables. How `scheduledSync`
 * maps to the API's `mirroring_enabled` is in mirroring-enabled.ts.
 */
import { z } from "zod";
import { SYNC_BRANCH_TYPES } from "../api/codearts";
import { urlProblem, type UrlUse } from "../util/url-credentials";
import { duration } from "./duration";

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

export const RepositoryMirrorSpecSchema = z
  .object({
    /** The CodeArts repository that mirrors (`repository_id`, 1..2147483647). Changing it replaces the mirror. */
    repositoryId: z
      .number({ error: "repositoryId must be a number (the CodeArts repository id, e.g. 123)" })
      .int({ error: "repositoryId must be a whole number" })
      .min(1, { error: "repositoryId must be at least 1" })
      .max(MAX_REPOSITORY_ID, { error: `repositoryId must be at most ${MAX_REPOSITORY_ID}` }),
    /** The source repository address (`url`). */
    sourceUrl: z
      .string({ error: "sourceUrl is required (e.g. https://git.example.com/app.git)" })
      .superRefine((u, ctx) => {
        // One accurate message per mistake, and never the credential itself (it would land in CI logs).
        const problem = urlProblem(u, SOURCE_URL);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    syncBranchType: z
      .enum(SYNC_BRANCH_TYPES, {
        error: (i) => `syncBranchType must be "all" or "default" (got ${JSON.stringify(i.input)})`,
      })
      .default("all"),
    /** Scheduled (periodic) synchronization on or off, in plain words (mapped by mirroring-enabled.ts). */
    scheduledSync: z.boolean({ error: "scheduledSync must be true or false" }).default(true),
    /** Source credentials: variable names, resolved when a sync starts, sent base64-encoded. */
    credentials: z
      .object({ usernameEnv: envName("credentials.username"), passwordEnv: envName("credentials.password") })
      .strict()
      .optional(),
    /** A service endpoint holding the source credentials. */
    endpointUuid: z.string().min(1, { error: "endpointUuid must not be empty" }).optional(),
    forceFetch: z.boolean({ error: "forceFetch must be true or false" }).default(false),
    /** Any change of these values starts one synchronization. */
    syncTriggers: z.record(z.string(), z.string()).optional(),
    waitForSync: z
      .object({
        timeout: duration("waitForSync.timeout").default(DEFAULT_SYNC_TIMEOUT),
        pollInterval: duration("waitForSync.pollInterval").optional(),
      })
      .strict()
      .default({ timeout: DEFAULT_SYNC_TIMEOUT }),
  })
  .strict();

export type RepositoryMirrorSpec = z.output<typeof RepositoryMirrorSpecSchema>;
