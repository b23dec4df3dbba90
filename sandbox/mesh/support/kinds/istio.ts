// Istio's networking.istio.io and security.istio.io kinds: what the sandbox mesh honours.
import type { KindSupport } from '../support-registry.js';
import { ISTIO_SECURITY_KINDS } from './istio-security.js';

export const ISTIO_KINDS: KindSupport[] = [...ISTIO_SECURITY_KINDS];
