// Linkerd's policy.linkerd.io kinds: what the sandbox mesh honours.
import type { KindSupport } from '../support-registry.js';
import { LINKERD_POLICY_KINDS } from './linkerd-policy.js';

export const LINKERD_KINDS: KindSupport[] = [...LINKERD_POLICY_KINDS];
