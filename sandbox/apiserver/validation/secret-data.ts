// A Secret as the apiserver decodes it: `data` values must be base64 (Go's encoding/json decodes []byte with
// base64.StdEncoding, so a bad value is a 400 "illegal base64 data at input byte N"), and the write-only
// `stringData` is merged into `data` and dropped, its keys winning over data's (upstream
// pkg/apis/core/v1/conversion.go Convert_v1_Secret_To_core_Secret). Nothing stores or returns stringData.
import { badRequest } from '../errors.js';
import type { KubeObject } from '../store.js';
import { isPlainObject } from '../schema/structural.js';

const BASE64_CHAR = /[A-Za-z0-9+/]/;

/** Where Go's base64.StdEncoding would stop decoding `value` (newlines are skipped), or -1 when it decodes. */
export function illegalBase64At(value: string): number {
  let n = 0; // significant characters seen
  let padding = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\r' || ch === '\n') continue;
    if (ch === '=') {
      // Padding only in the last two places of a quantum, and nothing but padding after it.
      if (n % 4 < 2) return i;
      padding++;
      n++;
      continue;
    }
    if (padding > 0 || !BASE64_CHAR.test(ch)) return i;
    n++;
  }
  if (n % 4 !== 0) return value.length;
  return -1;
}

/** Checks `data` is base64 and folds `stringData` into it; mutates `obj` (a working copy). */
export function normalizeSecretData(obj: KubeObject): void {
  const data = isPlainObject(obj.data) ? obj.data : {};
  for (const value of Object.values(data)) {
    if (typeof value !== 'string') continue;
    const at = illegalBase64At(value);
    if (at >= 0) throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at}`);
  }
  if (isPlainObject(obj.stringData)) {
    const merged: Record<string, unknown> = { ...data };
    for (const [k, v] of Object.entries(obj.stringData)) if (typeof v === 'string') merged[k] = Buffer.from(v, 'utf8').toString('base64');
    obj.data = merged;
  }
  delete obj.stringData;
}
