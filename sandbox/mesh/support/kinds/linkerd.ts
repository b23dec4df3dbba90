// Linkerd's policy.linkerd.io kinds: what the sandbox mesh honours.
import type { KindSupport } from '../support-registry.js';
import { LINKERD_ROUTE_KINDS } from './linkerd-routes.js';

export const LINKERD_KINDS: KindSupport[] = [...LINKERD_ROUTE_KINDS];
