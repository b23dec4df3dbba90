// Every response of every operation is shown with an example (the spec's, the error catalogue's for the status, or
// one generated from the schema — and the page says which), and every example shown is valid against the
// response's schema (ajv, the JSON Schema dialect of OpenAPI 3.1), so a generated example never teaches a wrong
// shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { SPECS, type JsonSchema, type SpecModel } from '../../site/src/lib/openapi/spec-model.ts';
import { catalogueError, reasonsForStatus, responseExamples } from '../../site/src/lib/openapi/response-examples.ts';

const ID = 'urn:api-docs:components';
const rewrite = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(rewrite) : v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? x.replace('#/components/schemas/', `${ID}#/$defs/`) : rewrite(x)]))
    : v;

function validatorFor(spec: SpecModel) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, allowUnionTypes: true });
  (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ $id: ID, $defs: rewrite(spec.doc.components?.schemas ?? {}) as object });
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  return (schema: JsonSchema, value: unknown) => {
    const key = JSON.stringify(schema);
    const validate = compiled.get(key) ?? ajv.compile(rewrite(schema) as object);
    compiled.set(key, validate);
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  };
}

test('every response with a body has an example, and every example matches its schema', () => {
  const problems: string[] = [];
  let shown = 0;
  for (const spec of SPECS) {
    const validate = validatorFor(spec);
    for (const op of spec.operations) {
      const examples = new Map(responseExamples(op).map((e) => [e.status, e]));
      for (const r of op.responses) {
        const ex = examples.get(r.status);
        if (!r.schema) continue;
        if (!ex) {
          problems.push(`${op.id} ${r.status}: no example`);
          continue;
        }
        shown++;
        const schema = r.resultSchema ?? r.schema;
        if (!(ex.contentType.includes('json'))) continue;
        const values = ex.contentType.includes('ndjson')
          ? ex.text.split('\n').map((l) => JSON.parse(l) as { event?: unknown; result?: unknown })
          : [{ result: JSON.parse(ex.text) }];
        for (const v of values) {
          if ('result' in v) problems.push(...validate(schema, v.result).map((m) => `${op.id} ${r.status} (${ex.source}): ${m}`));
          if ('event' in v && r.eventSchema) problems.push(...validate(r.eventSchema, v.event).map((m) => `${op.id} ${r.status} event (${ex.source}): ${m}`));
        }
      }
    }
  }
  assert.ok(shown > 100, `only ${shown} examples`);
  assert.deepEqual(problems, []);
});

test('an error status without an example gets the catalogue reason its operation names, else the status\'s first', () => {
  const start = SPECS[0].operations.find((o) => o.id === 'startBenchmark')!;
  const conflict = responseExamples(start).find((e) => e.status === '409')!;
  assert.equal(conflict.source, 'catalogue');
  const body = JSON.parse(conflict.text) as { code: number; reason: string };
  assert.equal(body.code, 409);
  assert.ok(reasonsForStatus(start, 409).includes(body.reason));
  assert.equal(catalogueError(start, 404)?.reason, 'NotFound');
  assert.equal(catalogueError(start, 404, 'answers UnknownBenchmark when no run has that id')?.reason, 'UnknownBenchmark');
  assert.equal(catalogueError(start, 299), undefined);
  // The spec's own example wins over anything generated.
  const create = SPECS[0].operations.find((o) => o.id === 'createSession')!;
  assert.equal(responseExamples(create).find((e) => e.status === '201')!.source, 'spec');
});

test('a generated example takes real values from the spec\'s other examples where the same schema appears', () => {
  const describe = SPECS[0].operations.find((o) => o.id === 'describeSession')!;
  const ok = responseExamples(describe).find((e) => e.status === '200')!;
  assert.equal(ok.source, 'schema');
  assert.match(ok.text, /"namespace": "pg-k3v9x2"/);
});
