/**
 * The Cloudsmith API family: answers at the root and under `/v1` (https://help.cloudsmith.io/reference-link/versioning).
 * A new group of Cloudsmith routes = a new module registered in `register`, as packages.ts is.
 */
import type { ApiFamily } from "../context";
import { registerCloudsmithAdmin } from "./admin";
import { registerCloudsmithHooks } from "./auth";
import { registerEntitlementRoutes } from "./entitlements";
import { registerFidelityHooks } from "./fidelity";
import { registerPackageAdmin, registerPackageRoutes } from "./packages";
import { registerUserRoutes } from "./user";

export const cloudsmithFamily: ApiFamily = {
  name: "cloudsmith",
  prefixes: ["", "/v1"],
  register(scope, ctx) {
    registerFidelityHooks(scope, ctx);
    registerCloudsmithHooks(scope, ctx);
    registerEntitlementRoutes(scope, ctx);
    registerUserRoutes(scope, ctx);
    registerPackageRoutes(scope, ctx);
  },
  registerAdmin(scope, ctx) {
    registerCloudsmithAdmin(scope, ctx);
    registerPackageAdmin(scope, ctx);
  },
};
