// The busybox applets a learner reaches for first: echo, cat, env, printenv, hostname, ls, pwd, sleep, true,
// false, date, id, whoami, uname, head, tail, grep, wc, mkdir, rm, touch. Each works on the container's
// in-memory filesystem and streams, with busybox's wording for its errors.
import type { Program, ProcessContext } from '../program.js';
import { err, fsMessage, out, readInput, resolvePath, sleepFor } from '../stdio.js';

const args = (p: ProcessContext) => p.argv.slice(1);

/** Split leading `-abc` flags from operands (`--` ends them); flags are single letters. */
function flagsOf(list: string[], withValue = ''): { flags: Set<string>; values: Map<string, string>; rest: string[] } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  let i = 0;
  for (; i < list.length; i++) {
    const a = list[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-' || /^-\d+$/.test(a)) break;
    for (let j = 1; j < a.length; j++) {
      const f = a[j];
      if (withValue.includes(f)) {
        const v = a.slice(j + 1) || list[++i];
        if (v !== undefined) values.set(f, v);
        break;
      }
      flags.add(f);
    }
  }
  return { flags, values, rest: list.slice(i) };
}

export const echo: Program = async (p) => {
  let list = args(p);
  let newline = true;
  let escapes = false;
  while (list.length && /^-[neE]+$/.test(list[0])) {
    if (list[0].includes('n')) newline = false;
    if (list[0].includes('e')) escapes = true;
    list = list.slice(1);
  }
  let text = list.join(' ');
  if (escapes) text = text.replace(/\\([nt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
  out(p, newline ? `${text}\n` : text);
  return 0;
};

export const cat: Program = async (p) => {
  const files = args(p).filter((a) => a !== '-u');
  if (!files.length) files.push('-');
  let code = 0;
  for (const f of files) {
    const data = await readInput(p, 'cat', f);
    if (data) out(p, data);
    else code = 1;
  }
  return code;
};

export const env: Program = async (p) => {
  const list = args(p);
  const vars = { ...p.env };
  let i = 0;
  if (list[0] === '-i') {
    for (const k of Object.keys(vars)) delete vars[k];
    i++;
  }
  for (; i < list.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(list[i]); i++) {
    const eq = list[i].indexOf('=');
    vars[list[i].slice(0, eq)] = list[i].slice(eq + 1);
  }
  if (i < list.length) return p.spawn(list.slice(i), { env: vars });
  out(p, Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join(''));
  return 0;
};

export const printenv: Program = async (p) => {
  const names = args(p);
  if (!names.length) return env({ ...p, argv: ['env'] });
  let code = 0;
  for (const n of names) {
    if (n in p.env) out(p, `${p.env[n]}\n`);
    else code = 1;
  }
  return code;
};

export const hostname: Program = async (p) => {
  out(p, `${(p.fs.read('/etc/hostname')?.toString() ?? `${p.container.podName}\n`).trim()}\n`);
  return 0;
};

export const pwd: Program = async (p) => {
  out(p, `${p.cwd}\n`);
  return 0;
};

export const trueProgram: Program = async () => 0;
export const falseProgram: Program = async () => 1;

/** GNU/busybox sleep: seconds with an optional s/m/h/d suffix, several summed, `infinity`. */
export const sleep: Program = async (p) => {
  const list = args(p);
  if (!list.length) {
    err(p, 'sleep: missing operand\n');
    return 1;
  }
  let ms = 0;
  for (const a of list) {
    if (a === 'infinity' || a === 'inf') ms = Infinity;
    const m = a.match(/^(\d+(?:\.\d+)?)([smhd]?)$/);
    if (!m && ms !== Infinity) {
      err(p, `sleep: invalid number '${a}'\n`);
      return 1;
    }
    if (m) ms += Number(m[1]) * { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  }
  while (ms > 0) {
    const step = Math.min(ms, 2 ** 31 - 1);
    if (!(await sleepFor(step, p.signal))) return 143;
    ms -= step;
  }
  return 0;
};

export const date: Program = async (p) => {
  const d = new Date();
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  // Containers run in UTC: busybox prints `Fri Nov 27 12:00:00 UTC 2026`.
  out(p, `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}\n`);
  return 0;
};

export const id: Program = async (p) => {
  const list = args(p);
  if (list.includes('-u')) out(p, '0\n');
  else if (list.includes('-un') || (list.includes('-u') && list.includes('-n'))) out(p, 'root\n');
  else out(p, 'uid=0(root) gid=0(root) groups=0(root),1(bin),2(daemon),3(sys),4(adm),6(disk),10(wheel),11(floppy),20(dialout),26(tape),27(video)\n');
  return 0;
};

export const whoami: Program = async (p) => {
  out(p, 'root\n');
  return 0;
};

export const uname: Program = async (p) => {
  const { flags } = flagsOf(args(p));
  const fields: [string, string][] = [
    ['s', 'Linux'],
    ['n', (p.fs.read('/etc/hostname')?.toString() ?? p.container.podName).trim()],
    ['r', '6.1.0-sandbox'],
    ['v', '#1 SMP PREEMPT_DYNAMIC'],
    ['m', 'x86_64'],
    ['o', 'GNU/Linux'],
  ];
  const all = flags.has('a');
  const picked = fields.filter(([f]) => all || flags.has(f));
  out(p, `${(picked.length ? picked : [fields[0]]).map(([, v]) => v).join(' ')}\n`);
  return 0;
};

/** `-n N` / `-c N` / `-N`; `+N` (tail) counts from the start: what `kubectl cp --retries` sends (`tail -c+N`). */
function lineCount(list: string[], prog: string): { n: number; rest: string[]; bytes: boolean; fromStart: boolean } | string {
  const { values, rest } = flagsOf(list.map((a) => (/^-\d+$/.test(a) ? `-n${a.slice(1)}` : a)), 'nc');
  const raw = values.get('n') ?? values.get('c') ?? '10';
  const n = Number(raw.replace(/^\+/, ''));
  if (!Number.isInteger(n) || n < 0) return `${prog}: invalid number '${raw}'\n`;
  return { n, rest, bytes: values.has('c'), fromStart: raw.startsWith('+') };
}

function headTail(which: 'head' | 'tail'): Program {
  return async (p) => {
    const parsed = lineCount(args(p), which);
    if (typeof parsed === 'string') {
      err(p, parsed);
      return 1;
    }
    const files = parsed.rest.length ? parsed.rest : ['-'];
    let code = 0;
    for (const [i, f] of files.entries()) {
      const data = await readInput(p, which, f);
      if (!data) {
        code = 1;
        continue;
      }
      if (files.length > 1) out(p, `${i ? '\n' : ''}==> ${f === '-' ? 'standard input' : f} <==\n`);
      if (parsed.bytes) {
        if (which === 'head') out(p, data.subarray(0, parsed.n));
        else out(p, parsed.fromStart ? data.subarray(Math.max(0, parsed.n - 1)) : data.subarray(Math.max(0, data.length - parsed.n)));
        continue;
      }
      const text = data.toString();
      const lines = text.split('\n');
      if (text.endsWith('\n')) lines.pop();
      const picked =
        which === 'head' ? lines.slice(0, parsed.n) : parsed.fromStart ? lines.slice(Math.max(0, parsed.n - 1)) : parsed.n ? lines.slice(-parsed.n) : [];
      if (picked.length) out(p, `${picked.join('\n')}\n`);
    }
    return code;
  };
}
export const head = headTail('head');
export const tail = headTail('tail');

/** Basic grep: -i -v -c -n -q -E (JavaScript regular expressions stand in for POSIX ERE/BRE). */
export const grep: Program = async (p) => {
  const { flags, values, rest } = flagsOf(args(p), 'e');
  const pattern = values.get('e') ?? rest.shift();
  if (pattern === undefined) {
    err(p, 'Usage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n');
    return 2;
  }
  let re: RegExp;
  try {
    const source = flags.has('F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : flags.has('E') ? pattern : pattern.replace(/\\([|()+?{}])/g, '$1');
    re = new RegExp(flags.has('w') ? `\\b(?:${source})\\b` : source, flags.has('i') ? 'i' : '');
  } catch {
    err(p, `grep: bad regex '${pattern}'\n`);
    return 2;
  }
  const files = rest.length ? rest : ['-'];
  let matched = 0;
  let code = 0;
  for (const f of files) {
    const data = await readInput(p, 'grep', f);
    if (!data) {
      code = 2;
      continue;
    }
    const lines = data.toString().split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let count = 0;
    for (const [i, line] of lines.entries()) {
      if (re.test(line) === flags.has('v')) continue;
      count++;
      if (flags.has('q')) return 0;
      if (!flags.has('c')) out(p, `${files.length > 1 ? `${f}:` : ''}${flags.has('n') ? `${i + 1}:` : ''}${line}\n`);
    }
    if (flags.has('c')) out(p, `${files.length > 1 ? `${f}:` : ''}${count}\n`);
    matched += count;
  }
  return code === 2 && !matched ? 2 : matched ? 0 : 1;
};

export const wc: Program = async (p) => {
  const { flags, rest } = flagsOf(args(p));
  const files = rest.length ? rest : ['-'];
  const show = flags.size ? ['l', 'w', 'c'].filter((f) => flags.has(f)) : ['l', 'w', 'c'];
  let code = 0;
  for (const f of files) {
    const data = await readInput(p, 'wc', f);
    if (!data) {
      code = 1;
      continue;
    }
    const text = data.toString();
    const counts: Record<string, number> = { l: (text.match(/\n/g) ?? []).length, w: text.split(/\s+/).filter(Boolean).length, c: data.length };
    const cols = show.map((k) => (show.length > 1 ? String(counts[k]).padStart(7) : String(counts[k])));
    out(p, `${cols.join(' ')}${f === '-' ? '' : ` ${f}`}\n`);
  }
  return code;
};

export const ls: Program = async (p) => {
  const { flags, rest } = flagsOf(args(p));
  const targets = rest.length ? rest : ['.'];
  let code = 0;
  for (const [i, t] of targets.entries()) {
    const path = resolvePath(p, t);
    const st = p.fs.stat(path);
    if (!st) {
      err(p, `ls: ${t}: No such file or directory\n`);
      code = 1;
      continue;
    }
    let names = st.type === 'directory' ? p.fs.list(path)! : [t];
    if (!flags.has('a')) names = names.filter((n) => !n.startsWith('.'));
    else if (st.type === 'directory') names = ['.', '..', ...names];
    if (targets.length > 1 && st.type === 'directory') out(p, `${i ? '\n' : ''}${t}:\n`);
    if (flags.has('l')) {
      for (const n of names) {
        const s = n === '.' || n === '..' ? { type: 'directory' as const, size: 0, mode: 0o755, mtimeMs: Date.now() } : st.type === 'directory' ? p.fs.stat(`${path}/${n}`)! : st;
        out(p, `${longMode(s.type, s.mode)}    1 root     root     ${String(s.size).padStart(8)} ${lsDate(s.mtimeMs)} ${n}\n`);
      }
    } else if (names.length) out(p, `${names.join(flags.has('1') || !p.tty ? '\n' : '  ')}\n`);
  }
  return code;
};

function longMode(type: 'file' | 'directory', mode: number): string {
  const bits = 'rwxrwxrwx'.split('').map((c, i) => (mode & (1 << (8 - i)) ? c : '-')).join('');
  return `${type === 'directory' ? 'd' : '-'}${bits}`;
}

function lsDate(ms: number): string {
  const d = new Date(ms);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

export const mkdir: Program = async (p) => {
  const { flags, rest } = flagsOf(args(p));
  let code = 0;
  for (const d of rest) {
    const path = resolvePath(p, d);
    try {
      if (p.fs.stat(path)) {
        if (!flags.has('p')) {
          err(p, `mkdir: can't create directory '${d}': File exists\n`);
          code = 1;
        }
        continue;
      }
      const parent = path.slice(0, path.lastIndexOf('/')) || '/';
      if (!flags.has('p') && p.fs.stat(parent)?.type !== 'directory') {
        err(p, `mkdir: can't create directory '${d}': No such file or directory\n`);
        code = 1;
        continue;
      }
      p.fs.mkdir(path);
    } catch (e) {
      err(p, fsMessage('mkdir', e));
      code = 1;
    }
  }
  return code;
};

export const rm: Program = async (p) => {
  const { flags, rest } = flagsOf(args(p));
  const recursive = flags.has('r') || flags.has('R');
  let code = 0;
  const removeTree = (path: string) => {
    for (const n of p.fs.list(path) ?? []) removeTree(`${path}/${n}`);
    p.fs.remove(path);
  };
  for (const f of rest) {
    const path = resolvePath(p, f);
    const st = p.fs.stat(path);
    if (!st) {
      if (!flags.has('f')) {
        err(p, `rm: can't remove '${f}': No such file or directory\n`);
        code = 1;
      }
      continue;
    }
    if (st.type === 'directory' && !recursive) {
      err(p, `rm: '${f}' is a directory\n`);
      code = 1;
      continue;
    }
    removeTree(path);
  }
  return code;
};

export const touch: Program = async (p) => {
  const { rest } = flagsOf(args(p));
  let code = 0;
  for (const f of rest) {
    const path = resolvePath(p, f);
    try {
      p.fs.write(path, p.fs.read(path) ?? Buffer.alloc(0));
    } catch (e) {
      err(p, fsMessage('touch', e).replace(/can't create/, 'can\'t touch'));
      code = 1;
    }
  }
  return code;
};
