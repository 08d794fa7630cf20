// Validates Kubernetes manifests against the Kubernetes API schemas, as kubernetes-models ships
// them (generated from the Kubernetes OpenAPI document; the Prometheus Operator's CRDs for
// ServiceMonitor). An ES module run by deployment-files.test.ts in its own Node process:
// kubernetes-models is published as ES modules only, which jest's CommonJS runtime cannot load.
//
//   node validate-k8s.mjs FILE...   → JSON on stdout: [{ file, kind, name, errors: [string] }]
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

/** The module of each apiVersion's models. */
const MODULES = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

const out = [];
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) {
      out.push({ file, kind: "?", name: "?", errors: doc.errors.map((e) => `YAML: ${e.message}`) });
      continue;
    }
    const obj = doc.toJS();
    if (!obj) continue;
    const entry = { file, kind: obj.kind, name: obj.metadata?.name, errors: [] };
    out.push(entry);
    const module = MODULES[obj.apiVersion];
    if (!module) {
      entry.errors.push(`no schema for apiVersion ${obj.apiVersion}`);
      continue;
    }
    const Model = (await import(module))[obj.kind];
    if (!Model) {
      entry.errors.push(`no schema for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (err) {
      entry.errors.push(err.message);
    }
  }
}
process.stdout.write(JSON.stringify(out));
