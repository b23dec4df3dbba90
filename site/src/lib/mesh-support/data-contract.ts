// The mesh support page's data: what `npm run mesh-support:site` writes to site/src/data/mesh-support.json from the
// sandbox's support registry (sandbox/mesh/support/site-data.ts), its TypeScript type, and the check that stops the
// site's build with the problems listed when the file does not match. The site never imports sandbox code: this
// contract is its only door to the registry.
import { Ajv, type ErrorObject } from 'ajv';

export type SupportLevel = 'full' | 'partial' | 'none';
export type MeshApi = 'Gateway API' | 'SMI' | 'Istio' | 'Linkerd' | 'Kubernetes';

export interface SupportField {
  /** Dotted path from the object root (`spec.…`, or `metadata.annotations.…` for annotations); `[]` for every element of a list. */
  path: string;
  support: SupportLevel;
  note?: string;
}

export interface SupportKind {
  group: string;
  kind: string;
  /** Served versions, newest first; empty when the sandbox does not serve the kind. */
  versions: string[];
  summary: string;
  docs: string;
  support: SupportLevel;
  warnOnApply: boolean;
  fields: SupportField[];
}

export interface SupportApi {
  api: MeshApi;
  id: string;
  kinds: SupportKind[];
}

export interface MeshSupportSiteData {
  source: string;
  command: string;
  apis: SupportApi[];
}

const nonEmpty = { type: 'string', minLength: 1 } as const;
const level = { enum: ['full', 'partial', 'none'] } as const;

export const MESH_SUPPORT_DATA_SCHEMA = {
  type: 'object',
  required: ['source', 'command', 'apis'],
  additionalProperties: false,
  properties: {
    source: nonEmpty,
    command: nonEmpty,
    apis: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['api', 'id', 'kinds'],
        additionalProperties: false,
        properties: {
          api: { enum: ['Gateway API', 'SMI', 'Istio', 'Linkerd', 'Kubernetes'] },
          id: { type: 'string', pattern: '^[a-z0-9-]+$' },
          kinds: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['group', 'kind', 'versions', 'summary', 'docs', 'support', 'warnOnApply', 'fields'],
              additionalProperties: false,
              properties: {
                group: nonEmpty,
                kind: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' },
                versions: { type: 'array', items: { type: 'string', pattern: '^v[0-9]+((alpha|beta)[0-9]+)?$' } },
                summary: nonEmpty,
                docs: { type: 'string', pattern: '^https://' },
                support: level,
                warnOnApply: { type: 'boolean' },
                fields: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['path', 'support'],
                    additionalProperties: false,
                    properties: { path: nonEmpty, support: level, note: nonEmpty },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

export class MeshSupportDataError extends Error {}

const validate = new Ajv({ allErrors: true, strict: false }).compile(MESH_SUPPORT_DATA_SCHEMA);

function describe(e: ErrorObject): string {
  const at = e.instancePath || '(top level)';
  if (e.keyword === 'additionalProperties') return `${at}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'required') return `${at}: missing field "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'enum') return `${at}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return `${at}: ${e.message ?? e.keyword}`;
}

/** The page's data, checked: a file that drifted from the contract is refused with every problem named. */
export function parseMeshSupportData(value: unknown, where: string): MeshSupportSiteData {
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map(describe);
    throw new MeshSupportDataError(`${where} does not match the mesh support page's data contract:\n  ${problems.join('\n  ')}\nRegenerate it with \`npm run mesh-support:site\`.`);
  }
  return value as unknown as MeshSupportSiteData;
}
