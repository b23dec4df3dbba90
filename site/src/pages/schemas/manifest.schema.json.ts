// Served at /schemas/manifest.schema.json: the manifest editor's validation and completion schema, generated at
// build time from the sandbox's CRDs and built-in schemas (scripts/gen-manifest-schema.ts).
import manifestSchema from '../../../../openapi/generated/manifest-schema.json';

export function GET(): Response {
  return new Response(JSON.stringify(manifestSchema), { headers: { 'content-type': 'application/schema+json' } });
}
