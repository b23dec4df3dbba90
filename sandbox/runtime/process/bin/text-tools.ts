// More busybox applets scripts lean on: test / [, seq, tee, sort, uniq, cut, tr, basename, dirname.
import type { Program, ProcessContext } from '../program.js';
import { normalizePath } from '../filesystem.js';
import { err, out, readAll, readInput } from '../stdio.js';

/** Most numbers one `seq` prints (a learner's `seq 1 1000000000` must not flood the pod's output). */
const SEQ_MAX = 100_000;

function evaluateTest(p: ProcessContext, a: string[]): boolean | string {
  if (a[0] === '!') {
    const r = evaluateTest(p, a.slice(1));
    return typeof r === 'string' ? r : !r;
  }
  const andAt = a.indexOf('-a');
  if (andAt > 0) {
    const l = evaluateTest(p, a.slice(0, andAt));
    const r = evaluateTest(p, a.slice(andAt + 1));
    return typeof l === 'string' ? l : typeof r === 'string' ? r : l && r;
  }
  const orAt = a.indexOf('-o');
  if (orAt > 0) {
    const l = evaluateTest(p, a.slice(0, orAt));
    const r = evaluateTest(p, a.slice(orAt + 1));
    return typeof l === 'string' ? l : typeof r === 'string' ? r : l || r;
  }
  if (a.length === 0) return false;
  if (a.length === 1) return a[0] !== '';
  if (a.length === 2) {
    const [op, v] = a;
    const st = () => p.fs.stat(normalizePath(v, p.cwd));
    switch (op) {
      case '-z': return v === '';
      case '-n': return v !== '';
      case '-e': return !!st();
      case '-f': return st()?.type === 'file';
      case '-d': return st()?.type === 'directory';
      case '-s': return (st()?.size ?? 0) > 0;
      case '-r': case '-w': case '-x': return !!st();
      default: return `${op}: unknown operand`;
    }
  }
  if (a.length === 3) {
    const [l, op, r] = a;
    if (op === '=' || op === '==') return l === r;
    if (op === '!=') return l !== r;
    const ints = ['-eq', '-ne', '-lt', '-le', '-gt', '-ge'];
    if (ints.includes(op)) {
      if (!/^\s*-?\d+\s*$/.test(l)) return `${l}: bad number`;
      if (!/^\s*-?\d+\s*$/.test(r)) return `${r}: bad number`;
      const x = Number(l);
      const y = Number(r);
      return { '-eq': x === y, '-ne': x !== y, '-lt': x < y, '-le': x <= y, '-gt': x > y, '-ge': x >= y }[op as '-eq']!;
    }
    return `${op}: unknown operand`;
  }
  return 'syntax error';
}

export const test: Program = async (p) => {
  let a = p.argv.slice(1);
  if (p.argv[0].endsWith('[')) {
    if (a[a.length - 1] !== ']') {
      err(p, "[: missing ]\n");
      return 2;
    }
    a = a.slice(0, -1);
  }
  const r = evaluateTest(p, a);
  if (typeof r === 'string') {
    err(p, `${p.argv[0].endsWith('[') ? '[' : 'test'}: ${r}\n`);
    return 2;
  }
  return r ? 0 : 1;
};

export const seq: Program = async (p) => {
  const nums = p.argv.slice(1).map(Number);
  if (!nums.length || nums.length > 3 || nums.some((n) => !Number.isFinite(n))) {
    err(p, nums.length ? `seq: invalid number '${p.argv.slice(1).find((a) => !Number.isFinite(Number(a)))}'\n` : 'Usage: seq [-w] [-s SEP] [FIRST [INC]] LAST\n');
    return 1;
  }
  const [first, inc, last] = nums.length === 1 ? [1, 1, nums[0]] : nums.length === 2 ? [nums[0], 1, nums[1]] : nums;
  if (inc === 0) return 1;
  const lines: string[] = [];
  for (let v = first; inc > 0 ? v <= last : v >= last; v += inc) {
    if (lines.length >= SEQ_MAX) {
      out(p, `${lines.join('\n')}\n`);
      err(p, `seq: the sandbox prints at most ${SEQ_MAX} numbers\n`);
      return 1;
    }
    lines.push(String(v));
  }
  if (lines.length) out(p, `${lines.join('\n')}\n`);
  return 0;
};

export const tee: Program = async (p) => {
  const append = p.argv.includes('-a');
  const files = p.argv.slice(1).filter((a) => a !== '-a');
  const data = await readAll(p.stdin, p.signal);
  out(p, data);
  let code = 0;
  for (const f of files) {
    const path = normalizePath(f, p.cwd);
    try {
      p.fs.write(path, append ? Buffer.concat([p.fs.read(path) ?? Buffer.alloc(0), data]) : data);
    } catch (e) {
      err(p, `tee: ${f}: ${(e as Error).message}\n`);
      code = 1;
    }
  }
  return code;
};

async function inputLines(p: ProcessContext, prog: string, files: string[]): Promise<string[] | undefined> {
  const lines: string[] = [];
  for (const f of files.length ? files : ['-']) {
    const data = await readInput(p, prog, f);
    if (!data) return undefined;
    const text = data.toString();
    const split = text.split('\n');
    if (text.endsWith('\n')) split.pop();
    lines.push(...split);
  }
  return lines;
}

export const sort: Program = async (p) => {
  const flags = p.argv.slice(1).filter((a) => a.startsWith('-') && a !== '-').join('');
  const lines = await inputLines(p, 'sort', p.argv.slice(1).filter((a) => !a.startsWith('-') || a === '-'));
  if (!lines) return 2;
  let sorted = flags.includes('n') ? lines.sort((a, b) => parseFloat(a) - parseFloat(b) || (a < b ? -1 : a > b ? 1 : 0)) : lines.sort();
  if (flags.includes('r')) sorted = sorted.reverse();
  if (flags.includes('u')) sorted = sorted.filter((l, i) => i === 0 || l !== sorted[i - 1]);
  if (sorted.length) out(p, `${sorted.join('\n')}\n`);
  return 0;
};

export const uniq: Program = async (p) => {
  const count = p.argv.includes('-c');
  const lines = await inputLines(p, 'uniq', p.argv.slice(1).filter((a) => !a.startsWith('-') || a === '-'));
  if (!lines) return 1;
  const groups: [string, number][] = [];
  for (const l of lines) {
    if (groups.length && groups[groups.length - 1][0] === l) groups[groups.length - 1][1]++;
    else groups.push([l, 1]);
  }
  if (groups.length) out(p, `${groups.map(([l, n]) => (count ? `${String(n).padStart(7)} ${l}` : l)).join('\n')}\n`);
  return 0;
};

/** cut -d DELIM -f LIST, or -c LIST (LIST: N, N-M, N-, -M, comma-separated). */
export const cut: Program = async (p) => {
  const args = p.argv.slice(1);
  let delim = '\t';
  let fields: string | undefined;
  let chars: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('-d')) delim = a.slice(2) || args[++i] || '\t';
    else if (a.startsWith('-f')) fields = a.slice(2) || args[++i];
    else if (a.startsWith('-c')) chars = a.slice(2) || args[++i];
    else files.push(a);
  }
  const spec = fields ?? chars;
  if (!spec) {
    err(p, 'cut: expected a list of bytes, characters, or fields\n');
    return 1;
  }
  const ranges = spec.split(',').map((r) => {
    const m = r.match(/^(\d*)(-?)(\d*)$/);
    const from = m && m[1] ? Number(m[1]) : 1;
    const to = m ? (m[2] ? (m[3] ? Number(m[3]) : Infinity) : from) : from;
    return [from, to] as const;
  });
  const pick = (n: number) => ranges.some(([a, b]) => n >= a && n <= b);
  const lines = await inputLines(p, 'cut', files);
  if (!lines) return 1;
  const result = lines.map((l) => {
    if (chars !== undefined) return [...l].filter((_, i) => pick(i + 1)).join('');
    if (!l.includes(delim)) return l;
    return l.split(delim).filter((_, i) => pick(i + 1)).join(delim);
  });
  if (result.length) out(p, `${result.join('\n')}\n`);
  return 0;
};

function expandSet(set: string): string {
  const classes: Record<string, string> = { '[:lower:]': 'a-z', '[:upper:]': 'A-Z', '[:digit:]': '0-9', '[:space:]': ' \t\n\r' };
  let s = set;
  for (const [k, v] of Object.entries(classes)) s = s.split(k).join(v);
  s = s.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  let outSet = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i + 1] === '-' && i + 2 < s.length) {
      for (let c = s.charCodeAt(i); c <= s.charCodeAt(i + 2) && outSet.length < 4096; c++) outSet += String.fromCharCode(c);
      i += 2;
    } else outSet += s[i];
  }
  return outSet;
}

export const tr: Program = async (p) => {
  const args = p.argv.slice(1);
  const del = args[0] === '-d';
  const sets = (del ? args.slice(1) : args).map(expandSet);
  if (!sets.length || (!del && sets.length < 2)) {
    err(p, 'tr: missing operand\n');
    return 1;
  }
  const text = (await readAll(p.stdin, p.signal)).toString();
  let result = '';
  for (const ch of text) {
    const i = sets[0].indexOf(ch);
    if (i < 0) result += ch;
    else if (!del) result += sets[1][Math.min(i, sets[1].length - 1)] ?? '';
  }
  out(p, result);
  return 0;
};

export const basename: Program = async (p) => {
  const [path, suffix] = p.argv.slice(1);
  if (path === undefined) {
    err(p, 'basename: missing operand\n');
    return 1;
  }
  let base = path.replace(/\/+$/, '').split('/').pop() || '/';
  if (suffix && base.endsWith(suffix) && base !== suffix) base = base.slice(0, -suffix.length);
  out(p, `${base}\n`);
  return 0;
};

export const dirname: Program = async (p) => {
  const path = p.argv[1];
  if (path === undefined) {
    err(p, 'dirname: missing operand\n');
    return 1;
  }
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  out(p, `${i < 0 ? '.' : i === 0 ? '/' : trimmed.slice(0, i)}\n`);
  return 0;
};
