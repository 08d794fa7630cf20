import type { IConstruct } from "constructs";
import { redactUrls } from "../util/url-credentials";

/**
 * A props error raised while the app is being built: names the construct path, the field and the fix.
 * Any URL a problem quotes is shown redacted (`https://***@host/…`, query masked): synth errors
 * land in CI logs.
 */
export class ValidationError extends Error {
  constructor(scope: IConstruct, kind: string, problems: string[]) {
    const lines = problems.map(redactUrls);
    super(`${kind} at "${scope.node.path}":${lines.length === 1 ? ` ${lines[0]}` : "\n  - " + lines.join("\n  - ")}`);
    this.name = "ValidationError";
  }
}
