// Istio's networking.istio.io and security.istio.io kinds: what the sandbox mesh honours.
import type { KindSupport } from '../support-registry.js';

export const ISTIO_KINDS: KindSupport[] = [];
