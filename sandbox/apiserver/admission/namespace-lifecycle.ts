// NamespaceLifecycle admission, the part that guards the system namespaces: `default`, `kube-system` and
// `kube-public` cannot be deleted (upstream plugin/pkg/admission/namespace/lifecycle/admission.go,
// immortalNamespaces; the answer is errors.NewForbidden(..., "this namespace may not be deleted")).
// Creating in a namespace being terminated is refused by the store itself.
import type { AdmissionPlugin } from '../api.js';
import { forbidden } from '../errors.js';

export const IMMORTAL_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public'];

export function namespaceLifecycleAdmission(immortal: readonly string[] = IMMORTAL_NAMESPACES): AdmissionPlugin {
  return (request) => {
    if (request.operation !== 'DELETE' || request.type.group !== '' || request.type.kind !== 'Namespace') return;
    const name = request.object.metadata.name ?? '';
    if (immortal.includes(name)) throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
  };
}
