/** The environment `reposmith synth` runs the app in, case by case as cdktf-cli 0.21 / cdktn-cli 0.24 build it. */
import { appEnv, type CdktfConfig } from "../../src/cli/synth";

const context = (env: NodeJS.ProcessEnv) => JSON.parse(env.CDKTF_CONTEXT_JSON!);

const cases: { reason: string; conf: CdktfConfig; env: NodeJS.ProcessEnv; want: Record<string, unknown> }[] = [
  {
    reason: "cdktf.json's context, plus the relative modules list",
    conf: { context: { a: 1 } },
    env: {},
    want: { a: 1, cdktfRelativeModules: [] },
  },
  {
    reason: "cdktf.json's context replaces the environment's",
    conf: { context: { a: 1 } },
    env: { CDKTF_CONTEXT_JSON: '{"b":2}' },
    want: { a: 1, cdktfRelativeModules: [] },
  },
  {
    reason: "an empty context in cdktf.json still replaces it",
    conf: { context: {} },
    env: { CDKTF_CONTEXT_JSON: '{"b":2}' },
    want: { cdktfRelativeModules: [] },
  },
  {
    reason: "no context in cdktf.json: the environment's",
    conf: {},
    env: { CDKTF_CONTEXT_JSON: '{"b":2}' },
    want: { b: 2, cdktfRelativeModules: [] },
  },
  {
    reason: "modules given by a ./ or ../ path are listed, registry modules are not",
    conf: {
      terraformModules: [
        "./mods/a",
        "../b",
        "terraform-aws-modules/vpc/aws@3.0.0",
        { source: "./c" },
        { source: "hashicorp/consul/aws" },
      ],
    },
    env: {},
    want: { cdktfRelativeModules: ["./mods/a", "../b", { source: "./c" }] },
  },
];

describe("appEnv", () => {
  it.each(cases)("CDKTF_CONTEXT_JSON: $reason", ({ conf, env, want }) => {
    expect(context(appEnv(conf, "/out", env))).toEqual(want);
  });

  it("sets the output directory and JSON output, drops TF_VAR_*, and raises Node's heap only when NODE_OPTIONS is unset", () => {
    const env = appEnv({}, "/out", { PATH: "/bin", TF_VAR_region: "x", SYNTH_HCL_OUTPUT: "true" });
    expect(env).toMatchObject({
      PATH: "/bin",
      CDKTF_OUTDIR: "/out",
      SYNTH_HCL_OUTPUT: "false",
      NODE_OPTIONS: "--max-old-space-size=4096",
      CHECKPOINT_DISABLE: "1",
    });
    expect(env).not.toHaveProperty("TF_VAR_region");
    expect(appEnv({}, "/out", { NODE_OPTIONS: "--inspect" }).NODE_OPTIONS).toBe("--inspect");
  });
});
