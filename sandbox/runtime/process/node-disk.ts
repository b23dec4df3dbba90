// The node's disk for container filesystems. Each container's filesystem is in memory (filesystem.ts caps one
// container at 16 MiB), so together they are bounded too: per namespace (one tenant cannot fill the node, as
// ephemeral-storage quota would stop it) and for the whole node (writes past it fail with ENOSPC, as on a full disk).
export const NAMESPACE_DISK_BYTES = 64 * 1024 * 1024;
export const NODE_DISK_BYTES = 512 * 1024 * 1024;

/** What one filesystem charges its writes to. */
export interface DiskQuota {
  /** Takes `bytes` more; false (nothing taken) when the namespace or the node is full. */
  charge(bytes: number): boolean;
  release(bytes: number): void;
}

export class NodeDisk {
  private used = 0;
  private readonly byNamespace = new Map<string, number>();

  constructor(
    readonly nodeBytes = NODE_DISK_BYTES,
    readonly namespaceBytes = NAMESPACE_DISK_BYTES,
  ) {}

  get usedBytes(): number {
    return this.used;
  }

  usedBy(namespace: string): number {
    return this.byNamespace.get(namespace) ?? 0;
  }

  quotaFor(namespace: string): DiskQuota {
    return {
      charge: (bytes) => {
        const mine = this.usedBy(namespace);
        if (this.used + bytes > this.nodeBytes || mine + bytes > this.namespaceBytes) return false;
        this.used += bytes;
        this.byNamespace.set(namespace, mine + bytes);
        return true;
      },
      release: (bytes) => {
        this.used = Math.max(0, this.used - bytes);
        const left = Math.max(0, this.usedBy(namespace) - bytes);
        if (left) this.byNamespace.set(namespace, left);
        else this.byNamespace.delete(namespace);
      },
    };
  }
}
