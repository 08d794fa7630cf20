import { entitlementSyncHandler } from "./entitlement-sync";
import { entitlementTokenHandler } from "./entitlement-token";
import { packageCopyHandler } from "./package-copy";
import { packageMirrorHandler } from "./package-mirror";
import { repositoryMirrorHandler } from "./repository-mirror";
import type { ResourceHandler } from "./contract";

/** Every resource kind reposmith knows. Adding a kind = one handler file + one line here. */
const HANDLERS: ResourceHandler<any>[] = [
  entitlementTokenHandler,
  entitlementSyncHandler,
  packageCopyHandler,
  packageMirrorHandler,
  repositoryMirrorHandler,
];

const byKind = new Map(HANDLERS.map((h) => [h.kind, h]));

export function handlerFor(kind: string): ResourceHandler<unknown> {
  const h = byKind.get(kind);
  if (!h)
    throw new Error(
      `unknown resource kind "${kind}" (known: ${[...byKind.keys()].join(", ")}); is this reposmith too old for ` +
        `the stack?`,
    );
  return h;
}

export function kinds(): string[] {
  return [...byKind.keys()];
}
