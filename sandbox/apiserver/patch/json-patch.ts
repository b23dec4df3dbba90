// JSON patch (RFC 6902) via fast-json-patch; a failing operation is 422 with the library's reason.
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { StatusError } from '../errors.js';

const { applyPatch, validate } = fastJsonPatch;

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new StatusError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const ops = patch as Operation[];
  const invalidOp = validate(ops, structuredClone(target));
  if (invalidOp) throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: ${describe(invalidOp)}`);
  try {
    return applyPatch(structuredClone(target), ops, false, true).newDocument;
  } catch (err) {
    throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: ${describe(err)}`);
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; operation?: { op?: string; path?: string } };
  if (e.name === 'TEST_OPERATION_FAILED') return `testing value ${e.operation?.path} failed: test failed`;
  if (e.name === 'OPERATION_PATH_UNRESOLVABLE') return `jsonpatch ${e.operation?.op} operation does not apply: doc is missing path: "${e.operation?.path}"`;
  return (e.message ?? String(err)).split('\n')[0];
}
