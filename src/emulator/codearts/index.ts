/**
 * The Huawei Cloud CodeArts Repo family: IAM `POST /v3/auth/tokens` and the v4 remote-mirror and
 * repository routes, at the root (HW_AUTH_URL=<url>/v3, HW_CODEARTS_REPO_ENDPOINT=<url>).
 */
import type { ApiFamily } from "../context";
import { registerCodeArtsAdmin } from "./admin";
import { registerIamRoutes, registerTokenCheck } from "./iam";
import { registerMirrorRoutes } from "./routes";

export const codeartsFamily: ApiFamily = {
  name: "codearts",
  prefixes: [""],
  register(scope, ctx) {
    const store = ctx.store.codearts;
    registerIamRoutes(scope, store);
    scope.register(async (v4) => {
      registerTokenCheck(v4, store);
      registerMirrorRoutes(v4, store);
    });
  },
  registerAdmin: registerCodeArtsAdmin,
};
