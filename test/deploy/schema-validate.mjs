// Validates Kubernetes objects against the generated OpenAPI models: kubernetes-models for the
// built-in API groups, @kubernetes-models/prometheus-operator for monitoring.coreos.com.
// Runs as a plain Node process because the operator models are ESM-only (the test runner loads
// CommonJS). Input: a JSON array of objects on stdin. Output: a JSON array of "Kind/name: problem".
import { text } from 'node:stream/consumers';

function modelSpecifier(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  return `kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`;
}

const objects = JSON.parse(await text(process.stdin));
const problems = [];
for (const object of objects) {
  const id = `${object.kind}/${object.metadata?.name}`;
  const specifier = modelSpecifier(object.apiVersion, object.kind);
  let Model;
  try {
    Model = (await import(specifier))[object.kind];
  } catch {
    problems.push(`${id}: no schema for ${object.apiVersion} ${object.kind} (${specifier})`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${id}: ${error.message}`);
  }
}
process.stdout.write(JSON.stringify(problems));
