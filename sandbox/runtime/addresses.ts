// Loopback address pools: the whole 127.0.0.0/8 is loopback on Linux, so every pod and Service can have
// an address of its own without privileges. A pool hands out addresses of one /16 and takes them back.

/** Pod IPs: what Endpoints point at and other pods connect to. */
export const POD_CIDR = '127.1.0.0/16';
/** Service clusterIPs: where the service proxy listens. */
export const SERVICE_CIDR = '127.2.0.0/16';
/** Each pod's private "localhost", shared by its containers (the app binds it in a meshed pod). */
export const POD_LOCAL_CIDR = '127.3.0.0/16';

export class AddressPoolExhausted extends Error {}

/** The addresses of a /16, skipping .0 and .255 in each /24 (they read like network/broadcast addresses). */
export class AddressPool {
  private readonly prefix: string;
  private readonly inUse = new Set<string>();
  private cursor = 0;
  private static readonly SIZE = 256 * 256;

  constructor(readonly cidr: string) {
    const m = cidr.match(/^(\d+)\.(\d+)\.0\.0\/16$/);
    if (!m) throw new Error(`address pool needs a /16 such as 127.1.0.0/16, got ${cidr}`);
    this.prefix = `${m[1]}.${m[2]}.`;
  }

  contains(address: string): boolean {
    if (!address.startsWith(this.prefix)) return false;
    const [c, d] = address.slice(this.prefix.length).split('.').map(Number);
    return Number.isInteger(c) && Number.isInteger(d) && c >= 0 && c <= 255 && d >= 0 && d <= 255;
  }

  /** The next free address (round robin through the pool, so a released address is not reused at once). */
  allocate(isTaken: (address: string) => boolean = () => false): string {
    for (let i = 0; i < AddressPool.SIZE; i++) {
      this.cursor = (this.cursor + 1) % AddressPool.SIZE;
      const c = this.cursor >> 8;
      const d = this.cursor & 255;
      if (d === 0 || d === 255) continue;
      const address = `${this.prefix}${c}.${d}`;
      if (this.inUse.has(address) || isTaken(address)) continue;
      this.inUse.add(address);
      return address;
    }
    throw new AddressPoolExhausted(`no free address left in ${this.cidr}`);
  }

  /** Claim a given address; false when it is already taken. */
  reserve(address: string): boolean {
    if (this.inUse.has(address)) return false;
    this.inUse.add(address);
    return true;
  }

  release(address: string): void {
    this.inUse.delete(address);
  }

  get size(): number {
    return this.inUse.size;
  }
}
