// The files in openapi/generated/ that the site imports are what their generators write from today's sources
// (the contracts in openapi/*.yaml, the sandbox's CRDs and built-in schemas): a contract or CRD edited
// without `npm run build` fails here, naming the file to regenerate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MANIFEST_SCHEMA_JSON, manifestSchemaJsonText } from '../../scripts/gen-manifest-schema.js';
import { API_CONTRACTS, generatedJsonPath, openapiJsonText } from '../../scripts/gen-openapi-json.js';

test('openapi/generated/manifest-schema.json matches the sandbox CRDs and built-in schemas', () => {
  assert.ok(readFileSync(MANIFEST_SCHEMA_JSON, 'utf8') === manifestSchemaJsonText(), 'stale: run `npm run gen:manifest-schema` (or `npm run build`)');
});

test('the manifest schema covers the kinds lessons apply, with Kubernetes extensions translated', () => {
  const schema = JSON.parse(manifestSchemaJsonText()) as { properties: { kind: { enum: string[] } }; allOf: { then: { properties: Record<string, unknown> } }[] };
  for (const kind of ['HTTPRoute', 'TrafficSplit', 'TrafficTarget', 'HTTPRouteGroup', 'Deployment', 'Service', 'Pod']) assert.ok(schema.properties.kind.enum.includes(kind), kind);
  assert.doesNotMatch(manifestSchemaJsonText(), /"x-kubernetes-/);
});

for (const contract of API_CONTRACTS) {
  test(`openapi/generated/${contract}.openapi.json matches openapi/${contract}.yaml`, () => {
    assert.ok(readFileSync(generatedJsonPath(contract), 'utf8') === openapiJsonText(contract), 'stale: run `npm run gen:api-json` (or `npm run build`)');
  });
}
