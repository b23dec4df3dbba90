// JSON Schema validation of exported results (SMP and fortio shapes), for the results store and tests.
import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const load = (name: string): object => JSON.parse(readFileSync(new URL(`./schemas/${name}`, import.meta.url), 'utf8')) as object;

let validators: { smp: ValidateFunction; fortio: ValidateFunction } | null = null;

function compile(): { smp: ValidateFunction; fortio: ValidateFunction } {
  if (validators) return validators;
  const ajv = new Ajv.default({ allErrors: true, strict: true, strictTypes: false });
  addFormats.default(ajv);
  validators = { smp: ajv.compile(load('smp-performance-test-result.schema.json')), fortio: ajv.compile(load('fortio-http-runner-results.schema.json')) };
  return validators;
}

export interface SchemaCheck {
  valid: boolean;
  errors: string[];
}

function check(v: ValidateFunction, doc: unknown): SchemaCheck {
  const valid = v(doc) as boolean;
  return { valid, errors: (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`) };
}

export const validateSmpResult = (doc: unknown): SchemaCheck => check(compile().smp, doc);
export const validateFortioResult = (doc: unknown): SchemaCheck => check(compile().fortio, doc);
