// A container's filesystem: an in-memory tree per container, bounded in bytes and entries (a write past
// the limit fails with ENOSPC, as a full overlay would). Nothing here ever touches the host disk: paths are
// keys of a Map, normalised so `..` cannot climb above `/`.
import type { ContainerFilesystem } from './program.js';
import type { DiskQuota } from './node-disk.js';

/** Per-container limits: what a learner's `dd`-style loop can fill before writes fail with ENOSPC. */
export const CONTAINER_FS_MAX_BYTES = 16 * 1024 * 1024;
export const CONTAINER_FS_MAX_ENTRIES = 4096;
/** Longest path accepted (Linux PATH_MAX). */
const PATH_MAX = 4096;

interface Entry {
  type: 'file' | 'directory';
  data: Buffer;
  mode: number;
  mtimeMs: number;
}

export class FsError extends Error {
  constructor(
    readonly code: 'ENOSPC' | 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'EEXIST' | 'ENAMETOOLONG' | 'ENOTEMPTY',
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** `/a/./b/../c//` → `/a/c`; relative paths are taken from `cwd`. `..` at the root stays at the root. */
export function normalizePath(path: string, cwd = '/'): string {
  if (path.length > PATH_MAX) throw new FsError('ENAMETOOLONG', path.slice(0, 64), `${path.slice(0, 64)}…: File name too long`);
  const joined = path.startsWith('/') ? path : `${cwd}/${path}`;
  const out: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export class MemoryFilesystem implements ContainerFilesystem {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private quota?: DiskQuota;

  constructor(
    private readonly maxBytes = CONTAINER_FS_MAX_BYTES,
    private readonly maxEntries = CONTAINER_FS_MAX_ENTRIES,
    quota?: DiskQuota,
  ) {
    this.quota = quota;
    this.entries.set('/', { type: 'directory', data: Buffer.alloc(0), mode: 0o755, mtimeMs: Date.now() });
    for (const dir of ['/bin', '/etc', '/home', '/root', '/tmp', '/usr/bin', '/var', '/proc', '/dev']) this.mkdir(dir);
  }

  /** Total bytes of file contents held (what counts against the limit). */
  get usedBytes(): number {
    return this.bytes;
  }

  read(path: string): Buffer | undefined {
    const p = normalizePath(path);
    if (p === '/dev/null') return Buffer.alloc(0);
    const e = this.entries.get(p);
    return e?.type === 'file' ? e.data : undefined;
  }

  write(path: string, data: Buffer, mode = 0o644): void {
    const p = normalizePath(path);
    if (p === '/dev/null') return;
    const existing = this.entries.get(p);
    if (existing?.type === 'directory') throw new FsError('EISDIR', p, `can't create '${p}': Is a directory`);
    const parent = this.entries.get(parentOf(p));
    if (!parent) throw new FsError('ENOENT', p, `can't create '${p}': No such file or directory`);
    if (parent.type !== 'directory') throw new FsError('ENOTDIR', p, `can't create '${p}': Not a directory`);
    const grow = data.length - (existing?.data.length ?? 0);
    if (this.bytes + grow > this.maxBytes || (!existing && this.entries.size >= this.maxEntries) || (grow > 0 && this.quota && !this.quota.charge(grow)))
      throw new FsError('ENOSPC', p, `write error: No space left on device`);
    if (grow < 0) this.quota?.release(-grow);
    this.bytes += grow;
    this.entries.set(p, { type: 'file', data: Buffer.from(data), mode: existing?.mode ?? mode, mtimeMs: Date.now() });
  }

  list(dir: string): string[] | undefined {
    const p = normalizePath(dir);
    if (this.entries.get(p)?.type !== 'directory') return undefined;
    const prefix = p === '/' ? '/' : `${p}/`;
    const names: string[] = [];
    for (const key of this.entries.keys()) {
      if (key === p || !key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      if (!rest.includes('/')) names.push(rest);
    }
    return names.sort();
  }

  stat(path: string): { type: 'file' | 'directory'; size: number; mode: number; mtimeMs: number } | undefined {
    const p = normalizePath(path);
    const e = this.entries.get(p);
    if (!e) return p === '/dev/null' ? { type: 'file', size: 0, mode: 0o666, mtimeMs: 0 } : undefined;
    return { type: e.type, size: e.data.length, mode: e.mode, mtimeMs: e.mtimeMs };
  }

  /** Removes a file or an empty directory (`rm -r` empties first); false when there is nothing to remove. */
  remove(path: string): boolean {
    const p = normalizePath(path);
    if (p === '/') return false;
    const e = this.entries.get(p);
    if (!e) return false;
    if (e.type === 'directory' && this.list(p)!.length > 0) throw new FsError('ENOTEMPTY', p, `can't remove '${p}': Directory not empty`);
    this.bytes -= e.data.length;
    this.quota?.release(e.data.length);
    this.entries.delete(p);
    return true;
  }

  /** The container is gone: its bytes go back to the node's disk (later writes, by processes being killed, are not charged). */
  dispose(): void {
    this.quota?.release(this.bytes);
    this.quota = undefined;
  }

  /** `mkdir -p`: makes the directory and its missing parents. */
  mkdir(path: string): void {
    const p = normalizePath(path);
    const parts = p.split('/').filter(Boolean);
    let cur = '';
    for (const part of parts) {
      cur += `/${part}`;
      const e = this.entries.get(cur);
      if (e?.type === 'file') throw new FsError('ENOTDIR', cur, `can't create directory '${p}': Not a directory`);
      if (e) continue;
      if (this.entries.size >= this.maxEntries) throw new FsError('ENOSPC', cur, `can't create directory '${p}': No space left on device`);
      this.entries.set(cur, { type: 'directory', data: Buffer.alloc(0), mode: 0o755, mtimeMs: Date.now() });
    }
  }
}
