// Served at /schemas/manifest.schema.json: the manifest editor's validation and completion schema.
import { manifestSchema } from '../../lib/manifests/manifest-schema.ts';

export function GET(): Response {
  return new Response(JSON.stringify(manifestSchema()), { headers: { 'content-type': 'application/schema+json' } });
}
