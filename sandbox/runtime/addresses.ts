// Loopback address pools: the whole 127.0.0.0/8 is loopback on Linux, so every pod and Service can have
// an address of its own without privileges. A pool works in /24 blocks of its /16 and claims a block by
// listening on the block's .255 address (never handed out): a second sandbox — in this process or another
// one, such as parallel test files — finds the block taken and claims another, so sandboxes never share
// an address, and a crashed process releases its blocks with its sockets.
import { createServer, type Server } from 'node:net';

/** Pod IPs: what Endpoints point at and other pods connect to. */
export const POD_CIDR = '127.1.0.0/16';
/** Service clusterIPs: where the service proxy listens. */
export const SERVICE_CIDR = '127.2.0.0/16';
/** Each pod's private "localhost", shared by its containers (the app binds it in a meshed pod). */
export const POD_LOCAL_CIDR = '127.3.0.0/16';

/** The port of the claim listener on a block's .255 address. */
export const BLOCK_CLAIM_PORT = 65000;
const HOSTS_PER_BLOCK = 254; // .1 … .254

export class AddressPoolExhausted extends Error {}

export class AddressPool {
  private readonly prefix: string;
  private readonly blocks: number[] = [];
  private readonly claims: Server[] = [];
  private readonly inUse = new Set<string>();
  private cursor = 0;
  private claiming?: Promise<void>;

  constructor(readonly cidr: string) {
    const m = cidr.match(/^(\d+)\.(\d+)\.0\.0\/16$/);
    if (!m) throw new Error(`address pool needs a /16 such as 127.1.0.0/16, got ${cidr}`);
    this.prefix = `${m[1]}.${m[2]}.`;
  }

  /** The /24 blocks this pool owns, for messages ("127.2.37.0/24"). */
  get ranges(): string[] {
    return this.blocks.map((b) => `${this.prefix}${b}.0/24`);
  }

  get size(): number {
    return this.inUse.size;
  }

  /** Whether `address` is in one of this pool's blocks (and so may be handed out by it). */
  owns(address: string): boolean {
    if (!address.startsWith(this.prefix)) return false;
    const [c, d] = address.slice(this.prefix.length).split('.').map(Number);
    return this.blocks.includes(c) && Number.isInteger(d) && d >= 1 && d <= HOSTS_PER_BLOCK;
  }

  /** The first host address of the first block (e.g. for the `kubernetes` Service). */
  firstAddress(): string {
    if (!this.blocks.length) throw new AddressPoolExhausted(`no block of ${this.cidr} claimed yet`);
    return `${this.prefix}${this.blocks[0]}.1`;
  }

  /** Claim one more free /24 block (a random one first, then the next ones). */
  claimBlock(): Promise<void> {
    this.claiming ??= this.claimNext().finally(() => (this.claiming = undefined));
    return this.claiming;
  }

  private async claimNext(): Promise<void> {
    const start = Math.floor(Math.random() * 256);
    for (let i = 0; i < 256; i++) {
      const block = (start + i) % 256;
      if (this.blocks.includes(block)) continue;
      const server = createServer((s) => s.destroy());
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ host: `${this.prefix}${block}.255`, port: BLOCK_CLAIM_PORT, exclusive: true }, () => resolve(true));
      });
      if (!ok) continue;
      server.unref();
      this.claims.push(server);
      this.blocks.push(block);
      return;
    }
    throw new AddressPoolExhausted(`every /24 block of ${this.cidr} is claimed by other sandboxes`);
  }

  /** The next free address of the claimed blocks (round robin, so a released address is not reused at once). */
  allocate(isTaken: (address: string) => boolean = () => false): string {
    const total = this.blocks.length * HOSTS_PER_BLOCK;
    for (let i = 0; i < total; i++) {
      this.cursor = (this.cursor + 1) % total;
      const block = this.blocks[Math.floor(this.cursor / HOSTS_PER_BLOCK)];
      const address = `${this.prefix}${block}.${(this.cursor % HOSTS_PER_BLOCK) + 1}`;
      if (this.inUse.has(address) || isTaken(address)) continue;
      this.inUse.add(address);
      return address;
    }
    throw new AddressPoolExhausted(`no free address left in ${this.ranges.join(', ') || this.cidr}`);
  }

  /** Allocate, claiming another block first when the owned ones are full. */
  async allocateAsync(): Promise<string> {
    if (this.inUse.size >= this.blocks.length * HOSTS_PER_BLOCK) await this.claimBlock();
    return this.allocate();
  }

  /** Keep at least `spare` free addresses, claiming a block in the background when short. */
  keepSpare(spare: number, used = this.inUse.size): void {
    if (this.blocks.length * HOSTS_PER_BLOCK - used < spare) void this.claimBlock().catch(() => undefined);
  }

  release(address: string): void {
    this.inUse.delete(address);
  }

  /** Give the blocks back (close the claim listeners). */
  async close(): Promise<void> {
    await Promise.all(this.claims.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.blocks.length = 0;
    this.inUse.clear();
  }
}
