// Promotion from staging to prod: one package copied by name and version, and every npm package
// tagged "release" mirrored. Each copy is waited on until Cloudsmith has fully synchronised it.
import { App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { CloudsmithConnection, PackageCopy, PackageMirror } from "reposmith";

const OWNER = process.env.PROMOTION_OWNER ?? "acme";
const FROM = process.env.PROMOTION_FROM ?? "staging";
const TO = process.env.PROMOTION_TO ?? "prod";

class PromotionStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Reads CLOUDSMITH_API_URL / CLOUDSMITH_API_KEY from the environment at run time.
    new CloudsmithConnection(this, "cloudsmith");
    new PackageCopy(this, "left-pad", {
      source: { owner: OWNER, repository: FROM, package: { format: "npm", name: "left-pad", version: "1.3.0" } },
      destination: TO,
      waitForSync: { timeout: "10m" },
      resyncAttempts: 2,
    });
    new PackageMirror(this, "npm-releases", {
      source: { owner: OWNER, repository: FROM },
      destination: TO,
      query: process.env.PROMOTION_QUERY ?? "tag:release AND format:npm",
      prune: false,
    });
  }
}

const app = new App();
new PromotionStack(app, "promotion");
app.synth();
