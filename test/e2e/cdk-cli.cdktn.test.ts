/** The packed reposmith in a new user's cdktn app, deployed and destroyed by the real cdktn-cli (see test/helpers/cdk-cli-suite.ts). */
import { CDKTN } from "../helpers/cdk-cli";
import { deployCycleSuite } from "../helpers/cdk-cli-suite";

deployCycleSuite(CDKTN, "test/e2e/cdk-cli.cdktn.test.ts");
