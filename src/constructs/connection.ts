import { Construct, type IConstruct } from "constructs";
import type { ConnectionRef } from "../resources/types";
import { ValidationError } from "./errors";
import { credentialsHint, secretRequired } from "./messages";
import { ensureRunner, nearest } from "./hook";
import { refuseRefs } from "./references";
import { Secret } from "./secret";
import { urlProblem, type UrlUse } from "../util/url-credentials";

/** The base URL is written into the synthesized stack, so it must not carry the key (or any credential). */
const API_URL: UrlUse = {
  field: "apiUrl",
  kind: "base",
  example: "https://api.cloudsmith.io/v1",
  credentialsHint: credentialsHint('the API key as apiKey: Secret.fromEnv("CLOUDSMITH_API_KEY")'),
};

export interface CloudsmithConnectionProps {
  /**
   * The API base URL that operation paths such as `/entitlements/{owner}/{repo}/` are appended to.
   * Synthesized as written, so no credentials (`user:password@`), query string or fragment.
   * @default - `CLOUDSMITH_API_URL` from the environment at run time, else https://api.cloudsmith.io/v1
   */
  readonly apiUrl?: string;
  /**
   * The API key, as a reference resolved at run time (only the variable's name is synthesized).
   * @default Secret.fromEnv("CLOUDSMITH_API_KEY")
   */
  readonly apiKey?: Secret;
}

/**
 * How the Cloudsmith resources below a scope reach the API. Optional: without one, resources use
 * `CLOUDSMITH_API_URL` / `CLOUDSMITH_API_KEY` from the environment.
 */
export class CloudsmithConnection extends Construct {
  /** The nearest connection declared in `scope` or any scope above it. */
  static of(scope: IConstruct): CloudsmithConnection | undefined {
    return nearest(scope, CloudsmithConnection);
  }

  readonly ref: ConnectionRef;

  constructor(scope: Construct, id: string, props: CloudsmithConnectionProps = {}) {
    super(scope, id);
    refuseRefs(this, "CloudsmithConnection", props);
    const urlError = props.apiUrl === undefined ? undefined : urlProblem(props.apiUrl, API_URL);
    if (urlError) throw new ValidationError(this, "CloudsmithConnection", [urlError]);
    if (props.apiKey !== undefined && !(props.apiKey instanceof Secret)) {
      throw new ValidationError(this, "CloudsmithConnection", [
        secretRequired(["apiKey"], "CLOUDSMITH_API_KEY", "key"),
      ]);
    }
    this.ref = { apiUrl: props.apiUrl?.replace(/\/+$/, ""), apiKeyEnv: props.apiKey?.envName ?? "CLOUDSMITH_API_KEY" };
    ensureRunner(this);
  }
}
