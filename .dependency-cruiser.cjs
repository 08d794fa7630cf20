// Layer rules of the design (README "Layout"): imports point downwards only; only constructs import cdktf/cdktn.
const layer = (name) => `^src/${name}/`;
const forbid = (name, from, to, comment) => ({
  name,
  severity: "error",
  comment,
  from: { path: from },
  to: { path: to },
});

module.exports = {
  forbidden: [
    forbid(
      "api-is-the-bottom",
      layer("api"),
      "^src/(resources|engine|controller|constructs|cli|emulator)/",
      "api imports nothing of ours",
    ),
    forbid(
      "emulator-is-independent",
      layer("emulator"),
      "^src/(api|resources|engine|controller|constructs|cli)/",
      "the emulator is built from the API documents, never from our client",
    ),
    forbid(
      "resources-only-api",
      layer("resources"),
      "^src/(engine|controller|constructs|cli|emulator)/",
      "resources import only api",
    ),
    forbid(
      "engine-below-controller",
      layer("engine"),
      "^src/(controller|constructs|cli|emulator)/",
      "engine imports resources and api",
    ),
    forbid(
      "controller-below-cli",
      layer("controller"),
      "^src/(constructs|cli|emulator)/",
      "controller imports engine, resources, api",
    ),
    forbid(
      "constructs-only-resources",
      layer("constructs"),
      "^src/(api|engine|controller|cli|emulator)/",
      "constructs import resources (spec schemas) only",
    ),
    forbid(
      "util-is-leaf",
      layer("util"),
      "^src/(api|resources|engine|controller|constructs|cli|emulator)/",
      "util has no project imports",
    ),
    // cdktf and CDK Terrain (cdktn), its continuation: src/constructs/cdk.ts binds to the app's.
    forbid(
      "only-constructs-import-cdktf",
      "^src/(?!constructs/|index\\.ts)",
      "node_modules/(cdktf|cdktn|@cdktf|@cdktn)/",
      "only src/constructs imports cdktf or cdktn",
    ),
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(test|examples|scripts)/" },
  },
};
