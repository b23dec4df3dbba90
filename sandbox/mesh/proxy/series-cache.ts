// Metric series found per request by their label values. Joining the values into one string key makes a fresh string
// per request, whose hash V8 computes on every lookup (with the flattening and the full compare on a hit: ~8 % of the
// data plane's CPU when profiled); nested maps keyed by the values themselves reuse each value's cached hash and
// compare by identity. Values are strings, numbers or objects (anything a Map keys by SameValueZero).

type Key = string | number | boolean | object;

export class SeriesCache<V> {
  private root = new Map<Key, unknown>();
  private count = 0;

  /** `limit`: entries kept before the cache starts over (a learner's random authorities cannot grow memory). */
  constructor(private readonly limit: number) {}

  get(keys: readonly Key[]): V | undefined {
    let node: unknown = this.root;
    for (let i = 0; i < keys.length; i++) {
      node = (node as Map<Key, unknown>).get(keys[i]);
      if (node === undefined) return undefined;
    }
    return node as V;
  }

  set(keys: readonly Key[], value: V): void {
    if (this.count >= this.limit) this.clear();
    let node = this.root;
    for (let i = 0; i < keys.length - 1; i++) {
      let next = node.get(keys[i]) as Map<Key, unknown> | undefined;
      if (!next) node.set(keys[i], (next = new Map()));
      node = next;
    }
    const last = keys[keys.length - 1];
    if (!node.has(last)) this.count++;
    node.set(last, value);
  }

  clear(): void {
    this.root.clear();
    this.count = 0;
  }
}
