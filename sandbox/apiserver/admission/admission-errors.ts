// admission.NewForbidden: `<resource> "<name>" is forbidden: <why>`, naming the object by its generateName
// prefix when its name is not generated yet (`pods "web-7d9f5-"`), as upstream does at admission time.
import { forbidden, qualifiedResource, type StatusError } from '../errors.js';
import type { KubeObject } from '../store.js';

export function admissionForbidden(plural: string, group: string, obj: KubeObject, why: string): StatusError {
  const name = obj.metadata.name || obj.metadata.generateName || 'Unknown';
  return forbidden(`${qualifiedResource(plural, group)} "${name}" is forbidden: ${why}`);
}
