// Linkerd's policy.linkerd.io kinds: what the sandbox mesh honours.
import type { KindSupport } from '../support-registry.js';

export const LINKERD_KINDS: KindSupport[] = [];
