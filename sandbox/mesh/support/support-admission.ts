// Apply-time warnings for fields the sandbox mesh does not honour (kubectl prints them as "Warning: …"), as Istio's
// validating webhook warns. The object is stored unchanged: a real cluster would accept it too.
import type { AdmissionPlugin } from '../../apiserver/api.js';
import { kindSupport, unsupportedFields, unsupportedWarning } from './index.js';

const MAX_WARNINGS = 20; // per write: enough to act on, bounded however large the object

export function meshSupportWarnings(): AdmissionPlugin {
  return (r) => {
    if (r.operation === 'DELETE' || r.subresource) return;
    const kind = kindSupport(r.type.group, r.type.kind);
    if (!kind?.warnOnApply) return;
    const fields = unsupportedFields(kind, r.object as { spec?: unknown });
    for (const f of fields.slice(0, MAX_WARNINGS)) r.warnings.push(unsupportedWarning(kind, r.object.metadata.name ?? r.object.metadata.generateName ?? '', f));
    if (fields.length > MAX_WARNINGS) r.warnings.push(`${kind.kind} "${r.object.metadata.name}": ${fields.length - MAX_WARNINGS} more unsupported fields`);
  };
}
