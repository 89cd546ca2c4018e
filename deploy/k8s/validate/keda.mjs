// Reads a JSON list of ScaledObject manifests on stdin; exits 1 with the errors if any is invalid.
import { readFileSync } from "node:fs";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";

const docs = JSON.parse(readFileSync(0, "utf8"));
let bad = 0;
for (const doc of docs) {
  try {
    new ScaledObject(doc).validate();
    console.log(`ScaledObject ${doc.metadata?.name}: valid`);
  } catch (err) {
    bad += 1;
    console.error(`ScaledObject ${doc.metadata?.name}: ${err.message}`);
  }
}
process.exit(bad ? 1 : 0);
