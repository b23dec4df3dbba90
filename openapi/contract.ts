// Reading an API contract (openapi/*.yaml, OpenAPI 3.1) the one way: the YAML parsed, then every operation
// walked as path × method with its parameters' $refs resolved. The server's validators (playground-server/api/
// spec.ts) read the contract through this, and so should every build-time reader (scripts/ generating what the
// site renders): one reader, so the docs and the server never disagree about which operations exist.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** The methods an OpenAPI path item may hold, in the order the spec lists them. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The shape every contract shares; callers narrow operations and parameters to what they read. */
export interface ContractDocument<Op = unknown, Param = unknown> {
  openapi: string;
  paths: Record<string, Partial<Record<HttpMethod, Op>>>;
  components?: { parameters?: Record<string, Param> };
}

export interface ContractOperation<Op, Param> {
  path: string;
  method: HttpMethod;
  operation: Op;
  /** The operation's parameters, each `$ref` replaced by the component it names. */
  parameters: Param[];
}

/** Parses a contract file. A YAML error throws with the file's name. */
export function readContractFile<D extends ContractDocument>(file: string): D {
  try {
    return parseYaml(readFileSync(file, 'utf8')) as D;
  } catch (err) {
    throw new Error(`${file}: not a readable OpenAPI document: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Every operation of `document`, path by path and in method order; an unknown parameter `$ref` throws. */
export function contractOperations<Op extends { parameters?: (Param | { $ref: string })[] }, Param>(document: ContractDocument<Op, Param>): ContractOperation<Op, Param>[] {
  const out: ContractOperation<Op, Param>[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = (operation.parameters ?? []).map((p) => resolveParameter(document, p));
      out.push({ path, method, operation, parameters });
    }
  }
  return out;
}

function resolveParameter<Param>(document: ContractDocument<unknown, Param>, p: Param | { $ref: string }): Param {
  const ref = (p as { $ref?: unknown }).$ref;
  if (typeof ref !== 'string') return p as Param;
  const name = ref.replace('#/components/parameters/', '');
  const found = document.components?.parameters?.[name];
  if (!found) throw new Error(`spec: unknown parameter ${ref}`);
  return found;
}
