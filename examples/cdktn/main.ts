// The quickstart's two entitlement tokens in a CDK Terrain (cdktn) app: the same constructs,
// imported the same way; only App and TerraformStack come from "cdktn" instead of "cdktf".
// In your own app: `npm install reposmith cdktn constructs`, import from "reposmith", and
// `npx cdktn deploy` (cdktn-cli 0.24, Node >= 22.19) or `npx reposmith apply`.
import { App, TerraformStack } from "cdktn";
import type { Construct } from "constructs";
import { CloudsmithConnection, EntitlementToken } from "reposmith";

const OWNER = process.env.QUICKSTART_OWNER ?? "acme";
const REPO = process.env.QUICKSTART_REPO ?? "prod";

class TokensStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Reads CLOUDSMITH_API_URL / CLOUDSMITH_API_KEY from the environment at run time.
    new CloudsmithConnection(this, "cloudsmith");
    new EntitlementToken(this, "ci", {
      owner: OWNER,
      repository: REPO,
      name: "ci-pipeline",
      limits: { packageQuery: "tag:release", numClients: 20 },
    });
    new EntitlementToken(this, "partner", {
      owner: OWNER,
      repository: REPO,
      name: "partner-acme-corp",
      limits: { numDownloads: 1000, bandwidth: { amount: 50, unit: "Gigabyte" } },
      scheduledResetPeriod: "Monthly",
    });
  }
}

const app = new App();
new TokensStack(app, "cdktn-tokens");
app.synth();
