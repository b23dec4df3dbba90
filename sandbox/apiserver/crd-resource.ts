// The CustomResourceDefinition kind itself (apiextensions.k8s.io/v1). Its objects are stored and served like
// any other kind; crd/crd-controller.ts turns them into served kinds.
export { CRD_TYPE } from './resources.js';
export { CRD_CLEANUP_FINALIZER } from './crd/crd-validation.js';
export { installCustomResourceDefinitions } from './crd/crd-controller.js';
