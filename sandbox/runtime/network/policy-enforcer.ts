// The node's NetworkPolicy state: every policy compiled once per change and indexed by namespace, namespace
// labels for namespaceSelector, and a decision cache per (source, destination, port) that any change
// invalidates. The per-connection cost is one namespace lookup when neither side's namespace has a policy,
// else one Map lookup (a miss evaluates once). Denials are counted and reported as Events, throttled.
import type { ClusterApi } from '../../apiserver/api.js';
import type { EventRecorder } from '../../controllers/event-recorder.js';
import type { AddressBook, PodAddress } from './address-book.js';
import { compilePolicy, evaluate, type CompiledPolicy, type Endpoint, type NetworkPolicy, type PolicyVerdict } from './network-policy.js';

/** Decisions kept; the cache starts over beyond this (it refills from the compiled policies). */
const DECISION_CACHE_LIMIT = 20_000;
/** At most one Event per (source, destination, port) in this window; the rest are only counted. */
const DENIAL_EVENT_INTERVAL_MS = 30_000;
const DENIAL_KEYS_LIMIT = 5_000;
export const NETWORK_POLICY_COMPONENT = 'sandbox-network-policy';

const ALLOWED: PolicyVerdict = { allowed: true };
const NO_POLICIES: readonly CompiledPolicy[] = [];

export class NetworkPolicyEnforcer {
  private readonly policies = new Map<string, Map<string, CompiledPolicy>>(); // namespace → name → policy
  private readonly lists = new Map<string, readonly CompiledPolicy[]>();
  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  private readonly cache = new Map<string, PolicyVerdict>();
  private cacheGeneration = -1;
  private generation = 0;
  private readonly lastDenialEvent = new Map<string, number>();
  private unwatch: (() => void)[] = [];
  private readonly listeners = new Set<() => void>();
  /** Connections refused since start (by ingress or egress policy). */
  deniedConnections = 0;

  constructor(
    private readonly api: ClusterApi,
    private readonly book: AddressBook,
    private readonly events?: EventRecorder,
  ) {}

  start(): void {
    this.unwatch.push(
      this.api.watch(this.api.type('networking.k8s.io', 'networkpolicies'), undefined, undefined, ({ type, object }) => {
        const ns = object.metadata.namespace ?? '';
        const name = object.metadata.name ?? '';
        const inNs = this.policies.get(ns) ?? new Map<string, CompiledPolicy>();
        if (type === 'DELETED') inNs.delete(name);
        else inNs.set(name, compilePolicy(object as NetworkPolicy));
        if (inNs.size) this.policies.set(ns, inNs);
        else this.policies.delete(ns);
        this.lists.set(ns, [...inNs.values()]);
        this.changed();
      }),
      this.api.watch(this.api.type('', 'namespaces'), undefined, undefined, ({ type, object }) => {
        const name = object.metadata.name ?? '';
        if (type === 'DELETED') this.namespaceLabels.delete(name);
        else this.namespaceLabels.set(name, { ...(object.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name });
        this.changed();
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
  }

  /** Called after a policy or a namespace's labels changed. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.generation++;
    for (const l of this.listeners) l();
  }

  private policiesOf = (ns: string): readonly CompiledPolicy[] => this.lists.get(ns) ?? NO_POLICIES;
  private labelsOf = (ns: string): Readonly<Record<string, string>> | undefined => this.namespaceLabels.get(ns);

  /**
   * The verdict for a connection from `sourceIP` (a pod of this node when `source` is given, else an address
   * outside the pod network) to `destination`'s `port`.
   */
  decide(sourceIP: string, source: PodAddress | undefined, destination: PodAddress, port: number): PolicyVerdict {
    if (this.policiesOf(destination.namespace).length === 0 && (!source || this.policiesOf(source.namespace).length === 0)) return ALLOWED;
    const generation = this.generation + this.book.generation * 1_000_003;
    if (generation !== this.cacheGeneration || this.cache.size >= DECISION_CACHE_LIMIT) {
      this.cache.clear();
      this.cacheGeneration = generation;
    }
    const key = `${sourceIP}>${destination.podIP}:${port}`;
    let verdict = this.cache.get(key);
    if (!verdict) {
      const src: Endpoint = { ip: sourceIP, pod: source };
      const dst: Endpoint = { ip: destination.podIP, pod: destination };
      verdict = evaluate(src, dst, port, this.policiesOf, this.labelsOf);
      this.cache.set(key, verdict);
    }
    return verdict;
  }

  /** Count a refused connection and, at most once per interval and peer pair, say so in an Event. */
  recordDenial(sourceIP: string, source: PodAddress | undefined, destination: PodAddress, port: number, verdict: PolicyVerdict): void {
    this.deniedConnections++;
    if (!this.events) return;
    const key = `${sourceIP}>${destination.podIP}:${port}`;
    const now = Date.now();
    const last = this.lastDenialEvent.get(key);
    if (last !== undefined && now - last < DENIAL_EVENT_INTERVAL_MS) return;
    if (this.lastDenialEvent.size >= DENIAL_KEYS_LIMIT) this.lastDenialEvent.clear();
    this.lastDenialEvent.set(key, now);
    // The Event goes to the namespace whose policy refused; a pod of another namespace is named by its IP only.
    const onEgress = verdict.deniedBy === 'egress' && source;
    const subject = onEgress ? source : destination;
    const peerName = (p: PodAddress | undefined, ip: string) => (p && p.namespace === subject.namespace ? `pod ${p.name} (${ip})` : ip);
    const message = onEgress
      ? `connection to ${peerName(destination, destination.podIP)} port ${port}/TCP refused: not allowed by the egress NetworkPolicies of namespace ${subject.namespace}`
      : `connection from ${peerName(source, sourceIP)} to port ${port}/TCP refused: not allowed by the ingress NetworkPolicies of namespace ${subject.namespace}`;
    this.events.record(
      { apiVersion: 'v1', kind: 'Pod', namespace: subject.namespace, name: subject.name, uid: subject.uid },
      'Warning',
      'NetworkPolicyDenied',
      message,
      NETWORK_POLICY_COMPONENT,
    );
  }
}
