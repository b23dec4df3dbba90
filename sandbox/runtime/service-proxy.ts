// The sandbox's kube-proxy: a real TCP listener on every Service clusterIP:port that forwards each
// connection to a ready endpoint, round robin, kept in step with Services and Endpoints by watches.
// The client's address is kept as the source of the forwarded connection (as iptables DNAT keeps it),
// so the backend sees which pod called (and its NetworkPolicy check judges the real caller).
// It listens only on clusterIPs the service pool allocated and forwards only to pod IPs the runtime gave
// pods of the Service's own namespace: hand-written Endpoints naming anything else are never dialled.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ClusterApi } from '../apiserver/api.js';
import type { EventRecorder } from '../controllers/event-recorder.js';
import type { Endpoints, Service, ServicePort } from './kinds.js';
import type { AddressBook } from './network/address-book.js';

interface PortListener {
  serviceKey: string;
  namespace: string;
  address: string;
  port: number;
  portName: string;
  server: Server;
  sockets: Set<Socket>;
  next: number;
  /** Settles once the listen attempt finished (listening or failed). */
  bound: Promise<void>;
}

export class ServiceProxy {
  private listeners = new Map<string, PortListener>(); // key: address:port
  private endpoints = new Map<string, Endpoints>(); // key: namespace/name
  private byService = new Map<string, Set<string>>();
  private unwatch: (() => void)[] = [];

  constructor(
    private readonly api: ClusterApi,
    private readonly book: AddressBook,
    private readonly events?: EventRecorder,
  ) {}

  start(): void {
    this.unwatch.push(
      this.api.watch(this.api.type('', 'endpoints'), undefined, undefined, ({ type, object }) => {
        const key = `${object.metadata.namespace}/${object.metadata.name}`;
        if (type === 'DELETED') this.endpoints.delete(key);
        else this.endpoints.set(key, object as Endpoints);
      }),
      this.api.watch(this.api.type('', 'services'), undefined, undefined, ({ type, object }) => {
        this.sync(object as Service, type === 'DELETED');
      }),
    );
  }

  async stop(): Promise<void> {
    for (const u of this.unwatch.splice(0)) u();
    await Promise.all([...this.listeners.values()].map((l) => this.close(l)));
    this.listeners.clear();
    this.byService.clear();
  }

  /** Listening address:port pairs, for diagnostics. */
  get listening(): string[] {
    return [...this.listeners.keys()];
  }

  private sync(service: Service, deleted: boolean): void {
    const serviceKey = `${service.metadata.namespace}/${service.metadata.name}`;
    const ip = service.spec?.clusterIP;
    const wanted = new Map<string, ServicePort>();
    // Only the clusterIP the pool gave this Service (an ExternalName Service or an address typed in never gets a listener).
    const allocated = ip ? this.book.serviceAt(ip) : undefined;
    if (!deleted && ip && allocated?.namespace === service.metadata.namespace && allocated?.name === service.metadata.name) {
      for (const p of service.spec.ports ?? []) if ((p.protocol ?? 'TCP') === 'TCP') wanted.set(`${ip}:${p.port}`, p);
    }
    const current = this.byService.get(serviceKey) ?? new Set<string>();
    for (const key of current) {
      if (wanted.has(key)) continue;
      const l = this.listeners.get(key);
      if (l) void this.close(l);
      this.listeners.delete(key);
      current.delete(key);
    }
    for (const [key, port] of wanted) {
      const existing = this.listeners.get(key);
      if (existing) {
        existing.portName = port.name ?? '';
        continue;
      }
      this.listeners.set(key, this.open(service, serviceKey, ip!, port));
      current.add(key);
    }
    if (current.size) this.byService.set(serviceKey, current);
    else this.byService.delete(serviceKey);
  }

  private open(service: Service, serviceKey: string, address: string, port: ServicePort): PortListener {
    // Half-open allowed so a client that shuts down its side still reads the whole response.
    const server = createServer({ allowHalfOpen: true });
    let settle!: () => void;
    const bound = new Promise<void>((resolve) => (settle = resolve));
    const l: PortListener = { serviceKey, namespace: service.metadata.namespace ?? '', address, port: port.port, portName: port.name ?? '', server, sockets: new Set(), next: 0, bound };
    server.on('connection', (client) => this.forward(l, client));
    server.on('listening', settle);
    server.on('error', (err: NodeJS.ErrnoException) => {
      settle();
      this.events?.record(service, 'Warning', 'FailedToListen', `service proxy cannot listen on ${address}:${port.port}: ${err.code ?? err.message}`, 'kube-proxy');
    });
    server.listen({ host: address, port: port.port });
    return l;
  }

  private pick(l: PortListener): { ip: string; port: number } | undefined {
    const ep = this.endpoints.get(l.serviceKey);
    const targets: { ip: string; port: number }[] = [];
    for (const subset of ep?.subsets ?? []) {
      const p = (subset.ports ?? []).find((x) => (x.name ?? '') === l.portName) ?? (subset.ports?.length === 1 && !l.portName ? subset.ports[0] : undefined);
      if (!p) continue;
      for (const a of subset.addresses ?? []) {
        // Never dialled: an address that is not a pod of this Service's namespace (hand-written Endpoints).
        if (this.book.podAt(a.ip)?.namespace === l.namespace) targets.push({ ip: a.ip, port: p.port });
      }
    }
    if (targets.length === 0) return undefined;
    return targets[l.next++ % targets.length];
  }

  private forward(l: PortListener, client: Socket): void {
    const target = this.pick(l);
    if (!target) {
      client.resetAndDestroy(); // no endpoints: refused, as kube-proxy's REJECT rule does
      return;
    }
    const source = client.remoteAddress?.replace(/^::ffff:/, '');
    const upstream = connect({ host: target.ip, port: target.port, allowHalfOpen: true, localAddress: source?.startsWith('127.') ? source : undefined });
    l.sockets.add(client);
    l.sockets.add(upstream);
    const cleanup = () => {
      l.sockets.delete(client);
      l.sockets.delete(upstream);
    };
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.resetAndDestroy());
    client.on('close', () => { upstream.destroy(); cleanup(); });
    upstream.on('close', () => { client.destroy(); cleanup(); });
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private async close(l: PortListener): Promise<void> {
    await l.bound;
    for (const s of l.sockets) s.destroy();
    l.sockets.clear();
    if (!l.server.listening) return;
    await new Promise<void>((resolve) => l.server.close(() => resolve()));
  }
}
