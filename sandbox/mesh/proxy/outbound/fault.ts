// Fault injection, a step of the route layer (Envoy's fault filter; HTTPRoute's sandbox ExtensionRef, Istio's `fault`):
// a delay and an abort, each for its percentage of requests. The same for HTTP/1 and HTTP/2.
import type { CompiledRule, FaultSpec } from '../../config/snapshot.js';
import { sleep } from './retry.js';

/** Waits the rule's delay when it applies to this request; the abort to answer with when that applies, else undefined. */
export async function injectFault(rule: CompiledRule): Promise<FaultSpec['abort'] | undefined> {
  const { abort, delay } = rule.fault ?? {};
  if (delay && Math.random() * 100 < delay.percentage) await sleep(delay.ms);
  return abort && Math.random() * 100 < abort.percentage ? abort : undefined;
}
