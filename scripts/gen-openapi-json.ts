// `npm run gen:api-json` (part of `npm run build`): writes the API contracts (openapi/*.yaml) as JSON into
// openapi/generated/, which is all the site may import from outside site/: the API docs pages are rendered
// from these files, the same contracts the server validates against.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Each contract the docs render, by the name of its YAML file in openapi/. */
export const API_CONTRACTS = ['playground', 'bookinfo'] as const;

const openapiFile = (name: string): string => fileURLToPath(new URL(`../openapi/${name}`, import.meta.url));
export const generatedJsonPath = (contract: (typeof API_CONTRACTS)[number]): string => openapiFile(`generated/${contract}.openapi.json`);

/** The generated file's exact text for one contract. */
export function openapiJsonText(contract: (typeof API_CONTRACTS)[number]): string {
  return `${JSON.stringify(parse(readFileSync(openapiFile(`${contract}.yaml`), 'utf8')), null, 2)}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const contract of API_CONTRACTS) writeFileSync(generatedJsonPath(contract), openapiJsonText(contract), { mode: 0o644 });
}
