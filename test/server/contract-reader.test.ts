// The one reader of the API contracts (openapi/contract.ts): both contracts read, every operation walked with
// its parameter $refs resolved, and the server's operation table built from exactly that walk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { contractOperations, readContractFile, type ContractDocument } from '../../openapi/contract.js';
import { loadSpec } from '../../playground-server/api/spec.js';

type Op = { operationId: string; parameters?: ({ name: string; in: string } | { $ref: string })[] };
type Param = { name: string; in: string };
const contract = (name: string) => readContractFile<ContractDocument<Op, Param>>(fileURLToPath(new URL(`../../openapi/${name}`, import.meta.url)));

test('both contracts are walked with every parameter $ref resolved; the server serves exactly the walked operations', () => {
  for (const name of ['playground.yaml', 'bookinfo.yaml']) {
    const ops = contractOperations(contract(name));
    assert.ok(ops.length > 0, name);
    for (const { operation, parameters } of ops) for (const p of parameters) assert.ok(typeof p.name === 'string' && !('$ref' in p), `${name} ${operation.operationId}`);
  }
  const walked = contractOperations(contract('playground.yaml')).map((o) => `${o.method.toUpperCase()} ${o.path} ${o.operation.operationId}`);
  const served = [...loadSpec().operations.values()].map((o) => `${o.method} ${o.path} ${o.operationId}`);
  assert.deepEqual(served, walked);
});

test('an unknown parameter $ref and an unreadable file are errors that name them', () => {
  const doc: ContractDocument<Op, Param> = { openapi: '3.1.0', paths: { '/x': { get: { operationId: 'x', parameters: [{ $ref: '#/components/parameters/Nope' }] } } }, components: { parameters: {} } };
  assert.throws(() => contractOperations(doc), /unknown parameter #\/components\/parameters\/Nope/);
  assert.throws(() => readContractFile('/nonexistent/contract.yaml'), /\/nonexistent\/contract\.yaml: not a readable OpenAPI document/);
});
