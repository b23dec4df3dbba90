// The container programs on their own (no cluster): the shell's grammar and expansions, curl's argument
// parsing, and the abuse a learner can try from a shell — a fork bomb, a busy loop, filling the filesystem.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { parseCurlArgs, CurlUsageError } from '../../sandbox/runtime/process/bin/curl.js';
import { SHELL_COMMANDS_PER_SECOND } from '../../sandbox/runtime/process/bin/sh.js';
import { arithmetic } from '../../sandbox/runtime/process/bin/sh-arithmetic.js';
import { parseScript, ShellSyntaxError } from '../../sandbox/runtime/process/bin/sh-parse.js';
import { MemoryFilesystem } from '../../sandbox/runtime/process/filesystem.js';
import { NodeDisk } from '../../sandbox/runtime/process/node-disk.js';
import { BASE_PROGRAMS } from '../../sandbox/runtime/process/images-bin.js';
import { runProgram } from '../../sandbox/runtime/process/run-program.js';
import type { WorkloadContext } from '../../sandbox/runtime/workload.js';

/** Programs here touch only the filesystem and streams; the container is a name. */
const container = { podName: 'unit', namespace: 'default' } as WorkloadContext;

async function sh(script: string, opts: { fs?: MemoryFilesystem; signal?: AbortSignal; stdin?: string } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  let stdin: PassThrough | null = null;
  if (opts.stdin !== undefined) {
    stdin = new PassThrough();
    stdin.end(opts.stdin);
  }
  const code = await runProgram(
    { programs: BASE_PROGRAMS, fs: opts.fs ?? new MemoryFilesystem(), container },
    ['sh', '-c', script],
    { stdin, stdout, stderr, env: { HOME: '/root', PATH: '/bin' }, cwd: '/', tty: false, signal: opts.signal ?? AbortSignal.timeout(10_000) },
  );
  await new Promise((r) => setImmediate(r));
  return { code, out, err };
}

describe('sh', () => {
  test('words: quotes keep spaces, unquoted expansions split, empty quotes are an argument', async () => {
    const r = await sh('X="a  b"; for w in $X "$X" \'\' c\\ d; do echo "[$w]"; done');
    assert.equal(r.out, '[a]\n[b]\n[a  b]\n[]\n[c d]\n');
    assert.equal((await sh('echo ${UNSET:-fallback} ${HOME}')).out, 'fallback /root\n');
    assert.equal((await sh('echo "\\$HOME is $HOME"')).out, '$HOME is /root\n');
  });

  test('syntax errors are sh\'s, exit 2', async () => {
    assert.throws(() => parseScript('echo a |'), ShellSyntaxError);
    assert.throws(() => parseScript('for x in a b; do echo $x'), /unexpected end of file/);
    assert.throws(() => parseScript('then'), /unexpected "then"/);
    assert.deepEqual(await sh('&& echo'), { code: 2, out: '', err: 'sh: syntax error: unexpected "&&"\n' });
  });

  test('arithmetic', () => {
    assert.equal(arithmetic('1 + 2 * 3', {}), 7);
    assert.equal(arithmetic('(i + 1) % 4', { i: '7' }), 0);
    assert.equal(arithmetic('i < 3 && 1', { i: '2' }), 1);
    assert.equal(arithmetic('1 / 0', {}), undefined);
    assert.equal(arithmetic('process.exit()', {}), undefined);
  });

  test('redirections write the container filesystem; past its limit the write fails with ENOSPC', async () => {
    const fs = new MemoryFilesystem(64, 64);
    const r = await sh('echo 0123456789012345678901234567890123456789 > /tmp/a; echo $?; cat /tmp/a >> /tmp/a; echo $?', { fs });
    assert.equal(r.out, '0\n1\n');
    assert.equal(r.err, 'sh: write error: No space left on device\n');
    assert.equal(fs.read('/tmp/a')?.length, 41);
  });

  test('a fork bomb stops at the spawn depth limit', async () => {
    const fs = new MemoryFilesystem();
    fs.write('/tmp/bomb', Buffer.from('sh /tmp/bomb\n'));
    const r = await sh('sh /tmp/bomb; echo "done $?"', { fs });
    assert.match(r.out, /done \d+\n$/);
    assert.match(r.err, /can't fork: Resource temporarily unavailable/);
  });

  test('a pipeline bomb stops at the per-container process limit; a doubling variable stops at the word limit', async () => {
    const fs = new MemoryFilesystem();
    fs.write('/tmp/b', Buffer.from('sh /tmp/b | sh /tmp/b\n'));
    const r = await sh('sh /tmp/b; echo "survived"', { fs });
    assert.match(r.out, /survived\n$/);
    assert.match(r.err, /can't fork: Resource temporarily unavailable/);
    const grow = await sh('X=aaaaaaaa; while true; do X=$X$X; done');
    assert.equal(grow.code, 2);
    assert.match(grow.err, /^sh: out of memory \(a word longer than 262144 characters\)\n$/);
  });

  test('a busy loop leaves the event loop free and dies when the process is killed', async () => {
    const kill = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => {
      if (++ticks === 5) kill.abort();
    }, 5);
    const r = await sh('while true; do :; done', { signal: kill.signal });
    clearInterval(timer);
    assert.equal(r.code, 137);
    assert.equal(ticks, 5);
  });

  test('a busy loop is paced per container, as a CPU limit would throttle it (an upper bound, whatever the machine speed)', async () => {
    const paced = { podName: 'paced', namespace: 'default' } as WorkloadContext;
    const stdout = new PassThrough();
    let lines = 0;
    stdout.on('data', (d: Buffer) => (lines += d.toString().split('\n').length - 1));
    const started = Date.now();
    const code = await runProgram(
      { programs: BASE_PROGRAMS, fs: new MemoryFilesystem(), container: paced },
      ['sh', '-c', 'while true; do echo x; done'],
      { stdin: null, stdout, stderr: new PassThrough(), env: {}, cwd: '/', tty: false, signal: AbortSignal.timeout(1500) },
    );
    const windows = Math.ceil((Date.now() - started) / 1000) + 1;
    assert.equal(code, 137);
    assert.ok(lines > 0, 'the loop ran');
    // Each line costs two commands (`true`, then echo), so this bound is loose by half; it still fails unpaced.
    assert.ok(lines <= SHELL_COMMANDS_PER_SECOND * windows, `${lines} lines in ${windows} pacing windows`);
  });

  test('sleep honours the kill; `sleep infinity` is accepted', async () => {
    const kill = new AbortController();
    setTimeout(() => kill.abort(), 20);
    assert.equal((await sh('sleep infinity', { signal: kill.signal })).code, 137);
    assert.deepEqual(await sh('sleep forever'), { code: 1, out: '', err: "sleep: invalid number 'forever'\n" });
  });

  test('grep, wc, head, tail on stdin', async () => {
    const r = await sh('grep -n b | wc -l', { stdin: 'abc\nxyz\nb\n' });
    assert.equal(r.out, '2\n');
    assert.equal((await sh('tail -n 1', { stdin: '1\n2\n3\n' })).out, '3\n');
    assert.equal((await sh('tail -c+3', { stdin: 'abcdef' })).out, 'cdef');
    assert.equal((await sh('tail -n +2', { stdin: '1\n2\n3\n' })).out, '2\n3\n');
    assert.equal((await sh('grep -v x; echo $?', { stdin: 'x\n' })).out, '1\n');
  });
});

describe('curl arguments', () => {
  test('bundled short flags, values, long forms', () => {
    const o = parseCurlArgs(['-sSLo', '/dev/null', '-w', '%{http_code}', '-XPOST', '-H', 'a: b', '--data=x=1', '--max-time', '2.5', 'http://x/']);
    assert.deepEqual(
      { s: o.silent, S: o.showError, L: o.location, out: o.output, w: o.writeOut, X: o.method, H: o.headers, d: o.data, m: o.maxTimeMs, url: o.url },
      { s: true, S: true, L: true, out: '/dev/null', w: '%{http_code}', X: 'POST', H: ['a: b'], d: 'x=1', m: 2500, url: 'http://x/' },
    );
  });

  test('errors as curl words them (exit 2)', () => {
    assert.throws(() => parseCurlArgs(['-Z', 'http://x/']), (e: unknown) => e instanceof CurlUsageError && e.message.startsWith('curl: option -Z: is unknown\n'));
    assert.throws(() => parseCurlArgs(['-m', 'soon', 'http://x/']), /curl: option -m: expected a proper numerical parameter/);
    assert.throws(() => parseCurlArgs(['-s']), /curl: no URL specified/);
  });
});

describe("the node's disk", () => {
  test('container filesystems are bounded per namespace and for the node, and give their bytes back', () => {
    const disk = new NodeDisk(3000, 2000);
    const a1 = new MemoryFilesystem(undefined, undefined, disk.quotaFor('a'));
    const a2 = new MemoryFilesystem(undefined, undefined, disk.quotaFor('a'));
    const b = new MemoryFilesystem(undefined, undefined, disk.quotaFor('b'));
    a1.write('/tmp/x', Buffer.alloc(1500));
    // The namespace's share is spent across its containers: a second container of `a` cannot take 600 more.
    assert.throws(() => a2.write('/tmp/y', Buffer.alloc(600)), /No space left on device/);
    b.write('/tmp/z', Buffer.alloc(1400));
    // The node is nearly full (2900 of 3000): even `b`, under its own share, gets ENOSPC.
    assert.throws(() => b.write('/tmp/w', Buffer.alloc(200)), /No space left on device/);
    assert.equal(disk.usedBytes, 2900);
    a1.write('/tmp/x', Buffer.alloc(500)); // shrinking gives back
    a1.remove('/tmp/x');
    assert.equal(disk.usedBy('a'), 0);
    b.dispose(); // the container is gone
    assert.equal(disk.usedBytes, 0);
    a2.write('/tmp/y', Buffer.alloc(1999));
  });
});
