// Two entitlement tokens in one repository: a CI token limited to release packages, and a partner
// token with a download cap, a validity window and a monthly reset.
import { App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { CloudsmithConnection, EntitlementToken } from "reposmith";

const OWNER = process.env.QUICKSTART_OWNER ?? "acme";
const REPO = process.env.QUICKSTART_REPO ?? "prod";

class QuickstartStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Reads CLOUDSMITH_API_URL / CLOUDSMITH_API_KEY from the environment at run time.
    new CloudsmithConnection(this, "cloudsmith");
    new EntitlementToken(this, "ci", {
      owner: OWNER,
      repository: REPO,
      name: "ci-pipeline",
      limits: { packageQuery: "tag:release", numClients: 20 },
      metadata: { team: "platform" },
    });
    new EntitlementToken(this, "partner", {
      owner: OWNER,
      repository: REPO,
      name: "partner-acme-corp",
      limits: {
        numDownloads: Number(process.env.QUICKSTART_PARTNER_DOWNLOADS ?? 1000),
        bandwidth: { amount: 50, unit: "Gigabyte" },
        dateRangeFrom: "2026-01-01T00:00:00Z",
        dateRangeTo: "2027-12-31T23:59:59Z",
      },
      scheduledResetPeriod: "Monthly",
      eulaRequired: true,
    });
  }
}

const app = new App();
new QuickstartStack(app, "quickstart");
app.synth();
