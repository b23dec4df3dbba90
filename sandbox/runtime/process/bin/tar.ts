// tar (tar-stream): create to stdout, extract from stdin, list — what `kubectl cp` runs in the container
// (`tar cf - <path>` from a pod, `tar -xmf - -C <dir>` into one), with -z, -v, -C. Member names never climb out
// of the extraction directory (leading `/` and `..` are dropped, as GNU tar does).
import { gunzipSync, gzipSync } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import { FsError, normalizePath } from '../filesystem.js';
import type { Program, ProcessContext } from '../program.js';
import { err, out, readAll } from '../stdio.js';

/** Most members one archive may hold (the filesystem's entry limit bounds it too). */
const MAX_MEMBERS = 4096;

interface TarArgs {
  mode?: 'c' | 'x' | 't';
  file?: string;
  dir?: string;
  gzip: boolean;
  verbose: boolean;
  paths: string[];
}

function parseTarArgs(argv: string[]): TarArgs | string {
  const a: TarArgs = { gzip: false, verbose: false, paths: [] };
  const setMode = (m: 'c' | 'x' | 't') => {
    if (a.mode && a.mode !== m) return "tar: You may not specify more than one '-Acdtrux' option";
    a.mode = m;
    return undefined;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      if (arg === '--gzip') a.gzip = true;
      else if (arg === '--verbose') a.verbose = true;
      else if (arg === '--extract' || arg === '--get') setMode('x');
      else if (arg === '--create') setMode('c');
      else if (arg === '--list') setMode('t');
      else if (arg.startsWith('--file=')) a.file = arg.slice(7);
      else if (arg.startsWith('--directory=')) a.dir = arg.slice(12);
      else if (arg === '--directory' || arg === '--file') {
        const v = argv[++i];
        if (arg === '--file') a.file = v;
        else a.dir = v;
      } else if (!['--no-same-owner', '--no-same-permissions', '--touch', '--preserve-permissions', '--same-owner'].includes(arg))
        return `tar: unrecognized option '${arg}'`;
      continue;
    }
    // The first word may be a bundle without a dash (`tar cf - x`); later ones need one.
    if ((i === 0 && /^[a-zA-Z]+$/.test(arg)) || (arg.startsWith('-') && arg.length > 1)) {
      const letters = arg.replace(/^-/, '');
      for (let j = 0; j < letters.length; j++) {
        const l = letters[j];
        if (l === 'c' || l === 'x' || l === 't') {
          const e = setMode(l);
          if (e) return e;
        } else if (l === 'f' || l === 'C') {
          const v = j < letters.length - 1 && arg.startsWith('-') ? letters.slice(j + 1) : argv[++i];
          if (v === undefined) return `tar: option requires an argument -- '${l}'`;
          if (l === 'f') a.file = v;
          else a.dir = v;
          if (j < letters.length - 1 && arg.startsWith('-')) break;
        } else if (l === 'z') a.gzip = true;
        else if (l === 'v') a.verbose = true;
        else if (!'mopPh'.includes(l)) return `tar: invalid option -- '${l}'`;
      }
      continue;
    }
    a.paths.push(arg);
  }
  if (!a.mode) return "tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options";
  return a;
}

/** A member name made safe: no leading `/`, no `..`, never empty. */
function memberPath(name: string): string {
  return name.split('/').filter((p) => p && p !== '.' && p !== '..').join('/');
}

async function create(p: ProcessContext, a: TarArgs, base: string): Promise<number> {
  if (!a.paths.length) {
    err(p, 'tar: Cowardly refusing to create an empty archive\n');
    return 2;
  }
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  let code = 0;
  let members = 0;
  let warnedSlash = false;
  const add = async (path: string, name: string): Promise<void> => {
    if (++members > MAX_MEMBERS) return;
    const st = p.fs.stat(path);
    if (!st) {
      err(p, `tar: ${name}: Cannot stat: No such file or directory\n`);
      code = 2;
      return;
    }
    if (a.verbose) err(p, `${name}${st.type === 'directory' ? '/' : ''}\n`);
    if (st.type === 'directory') {
      archive.entry({ name: `${name}/`, type: 'directory', mode: st.mode, mtime: new Date(st.mtimeMs) });
      for (const child of p.fs.list(path) ?? []) await add(`${path === '/' ? '' : path}/${child}`, `${name}/${child}`);
      return;
    }
    await new Promise<void>((resolve, reject) =>
      archive.entry({ name, size: st.size, mode: st.mode, mtime: new Date(st.mtimeMs) }, p.fs.read(path)!, (e) => (e ? reject(e) : resolve())),
    );
  };
  for (const given of a.paths) {
    if (given.startsWith('/') && !warnedSlash) {
      err(p, "tar: removing leading '/' from member names\n");
      warnedSlash = true;
    }
    await add(normalizePath(given, base), memberPath(given) || '.');
  }
  archive.finalize();
  await ended;
  const data = Buffer.concat(chunks);
  const bytes = a.gzip ? gzipSync(data) : data;
  if (a.file === undefined || a.file === '-') out(p, bytes);
  else p.fs.write(normalizePath(a.file, p.cwd), bytes);
  return code;
}

async function readArchive(p: ProcessContext, a: TarArgs): Promise<Buffer | undefined> {
  let data: Buffer | undefined;
  if (a.file === undefined || a.file === '-') data = await readAll(p.stdin, p.signal);
  else {
    data = p.fs.read(normalizePath(a.file, p.cwd));
    if (!data) {
      err(p, `tar: can't open '${a.file}': No such file or directory\n`);
      return undefined;
    }
  }
  if (a.gzip || (data[0] === 0x1f && data[1] === 0x8b)) {
    try {
      data = gunzipSync(data, { maxOutputLength: 64 * 1024 * 1024 });
    } catch {
      err(p, 'tar: invalid gzip magic\n');
      return undefined;
    }
  }
  return data;
}

async function extractOrList(p: ProcessContext, a: TarArgs, base: string): Promise<number> {
  const data = await readArchive(p, a);
  if (!data) return 2;
  if (data.length === 0) {
    err(p, 'tar: short read\n');
    return 1;
  }
  const wanted = a.paths.map(memberPath);
  const ex = extract();
  let members = 0;
  let failure: string | undefined;
  const done = new Promise<void>((resolve) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        const name = memberPath(header.name);
        if (name && (!wanted.length || wanted.some((w) => name === w || name.startsWith(`${w}/`))) && ++members <= MAX_MEMBERS && !failure) {
          if (a.mode === 't') out(p, `${header.name}\n`);
          else {
            if (a.verbose) out(p, `${header.name}\n`);
            const target = normalizePath(name, base);
            try {
              if (header.type === 'directory') p.fs.mkdir(target);
              else if (header.type === 'file' || header.type === 'contiguous-file') {
                p.fs.mkdir(target.slice(0, target.lastIndexOf('/')) || '/');
                p.fs.write(target, Buffer.concat(chunks), header.mode ?? 0o644);
              }
            } catch (e) {
              if (!(e instanceof FsError)) throw e;
              failure = `tar: ${name}: ${e.code === 'ENOSPC' ? 'Cannot write: No space left on device' : e.message}`;
            }
          }
        }
        next();
      });
      stream.resume();
    });
    ex.on('finish', () => resolve());
    ex.on('close', () => resolve());
    ex.on('error', (e: Error) => {
      failure ??= `tar: ${e.message}`;
      resolve();
    });
  });
  ex.end(data);
  await done;
  if (failure) {
    err(p, `${failure}\n`);
    return 2;
  }
  return 0;
}

export const tar: Program = async (p) => {
  const a = parseTarArgs(p.argv.slice(1));
  if (typeof a === 'string') {
    err(p, `${a}\nTry 'tar --help' or 'tar --usage' for more information.\n`);
    return 2;
  }
  const base = normalizePath(a.dir ?? '.', p.cwd);
  if (a.dir !== undefined && p.fs.stat(base)?.type !== 'directory') {
    err(p, `tar: ${a.dir}: Cannot open: No such file or directory\n`);
    return 2;
  }
  return a.mode === 'c' ? create(p, a, base) : extractOrList(p, a, base);
};
