// JSON Schema validation of exported results (strict SMP, the playground result document, fortio), for the
// results store and tests.
import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const load = (name: string): object => JSON.parse(readFileSync(new URL(`./schemas/${name}`, import.meta.url), 'utf8')) as object;

interface Validators {
  smp: ValidateFunction;
  document: ValidateFunction;
  fortio: ValidateFunction;
}
let validators: Validators | null = null;

function compile(): Validators {
  if (validators) return validators;
  const ajv = new Ajv.default({ allErrors: true, strict: true, strictTypes: false });
  addFormats.default(ajv);
  const smp = ajv.compile(load('smp-performance-test-result.schema.json'));
  validators = { smp, document: ajv.compile(load('playground-result-document.schema.json')), fortio: ajv.compile(load('fortio-http-runner-results.schema.json')) };
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

/** A strict SMP PerformanceTestResult (proto fields only). */
export const validateSmpResult = (doc: unknown): SchemaCheck => check(compile().smp, doc);
/** The playground result document `{ smp, playground }`. */
export const validateResultDocument = (doc: unknown): SchemaCheck => check(compile().document, doc);
export const validateFortioResult = (doc: unknown): SchemaCheck => check(compile().fortio, doc);
