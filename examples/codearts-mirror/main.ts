// Two Huawei Cloud CodeArts Repo repositories mirroring Git sources: a private source whose
// credentials come from the environment (only the variable names reach the synthesized stack), and a
// public one that only mirrors the default branch, re-synced whenever RELEASE changes.
//
// Against the local emulator (no Huawei Cloud account needed):
//   npx reposmith emulator --api-key unused --port 8765 --seed examples/codearts-mirror/emulator-seed.json &
//   export HW_AUTH_URL=http://127.0.0.1:8765/v3 HW_CODEARTS_REPO_ENDPOINT=http://127.0.0.1:8765
//   export HW_REGION_NAME=cn-north-4 HW_DOMAIN_NAME=acme HW_USER_NAME=ci HW_USER_PASSWORD=emulator-iam-password
//   export GIT_USER=mirror-bot GIT_PASSWORD=emulator-git-password
//   cd examples/codearts-mirror && npx reposmith apply --auto-approve && npx reposmith plan
// Against Huawei Cloud: drop HW_AUTH_URL / HW_CODEARTS_REPO_ENDPOINT (the region picks the hosts),
// and set MIRROR_REPOSITORY_ID / MIRROR_SOURCE_URL to your repository and source.
import { App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { CodeArtsConnection, RepositoryMirror, Secret } from "reposmith";

const env = (name: string, fallback: string) => process.env[name] ?? fallback;

class CodeArtsMirrorStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // IAM password authentication from HW_DOMAIN_NAME / HW_USER_NAME / HW_USER_PASSWORD (the
    // terraform-provider-huaweicloud names), scoped to the region's project; a ready HW_AUTH_TOKEN also works.
    new CodeArtsConnection(this, "codearts", { region: env("HW_REGION_NAME", "cn-north-4") });

    new RepositoryMirror(this, "app", {
      repositoryId: Number(env("MIRROR_REPOSITORY_ID", "123")),
      sourceUrl: env("MIRROR_SOURCE_URL", "https://git.example.com/app.git"),
      credentials: { username: Secret.fromEnv("GIT_USER"), password: Secret.fromEnv("GIT_PASSWORD") },
      syncBranchType: "all",
      scheduledSync: true,
      waitForSync: { timeout: "20m", pollInterval: env("MIRROR_POLL_INTERVAL", "1s") },
    });

    new RepositoryMirror(this, "docs", {
      repositoryId: Number(env("MIRROR_DOCS_REPOSITORY_ID", "124")),
      sourceUrl: env("MIRROR_DOCS_SOURCE_URL", "https://git.example.com/docs.git"),
      syncBranchType: "default",
      // Any change here starts exactly one synchronization on the next apply.
      syncTriggers: { release: env("RELEASE", "2026.03") },
      waitForSync: { timeout: "10m", pollInterval: env("MIRROR_POLL_INTERVAL", "1s") },
    });
  }
}

const app = new App();
new CodeArtsMirrorStack(app, "codearts-mirror");
app.synth();
