/** The packed reposmith in a new user's cdktf app, deployed and destroyed by the real cdktf-cli (see test/helpers/cdk-cli-suite.ts). */
import { CDKTF } from "../helpers/cdk-cli";
import { deployCycleSuite } from "../helpers/cdk-cli-suite";

deployCycleSuite(CDKTF, "test/e2e/cdk-cli.cdktf.test.ts");
