import type { IConstruct } from "constructs";

/** A props error raised while the app is being built: names the construct path, the field and the fix. */
export class ValidationError extends Error {
  constructor(scope: IConstruct, kind: string, problems: string[]) {
    super(`${kind} at "${scope.node.path}": ${problems.length === 1 ? problems[0] : "\n  - " + problems.join("\n  - ")}`);
    this.name = "ValidationError";
  }
}
