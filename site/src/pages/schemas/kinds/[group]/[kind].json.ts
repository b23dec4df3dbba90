// Served at /schemas/kinds/<group>/<kind-lowercase>.json: one mesh kind's schema for the reference pages' try-it
// editor (fetched when a learner opens it), from the reference data the pages are built from. A glob, so the site
// still builds (with no such files) where that data is absent.
import type { GetStaticPaths } from 'astro';
import { editorSchema, type ReferenceKindSchema } from '../../../../lib/kind-try-it/editor-schema.ts';

const DATA = import.meta.glob<string>('../../../../data/mesh-reference.json', { query: '?raw', import: 'default', eager: true });

export const getStaticPaths = (() => {
  const kinds = Object.values(DATA).flatMap((text) => (JSON.parse(text) as { kinds: ReferenceKindSchema[] }).kinds);
  return kinds.map((k) => ({ params: { group: k.group, kind: k.kind.toLowerCase() }, props: { k } }));
}) satisfies GetStaticPaths;

export function GET({ props }: { props: { k: ReferenceKindSchema } }): Response {
  return new Response(JSON.stringify(editorSchema(props.k)), { headers: { 'content-type': 'application/schema+json' } });
}
