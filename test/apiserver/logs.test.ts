// pods/log through a LogSource: `kubectl logs` (tail, container choice) and `kubectl logs -f` streaming.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startFixture, KUBECTL, type Fixture } from './fixture.js';
import { badRequest, notFound } from '../../sandbox/apiserver/errors.js';
import type { LogOptions, LogSource } from '../../sandbox/apiserver/logs.js';

/** A LogSource over in-memory lines; following waits for lines pushed later. */
class MemoryLogs implements LogSource {
  lines = new Map<string, string[]>();
  private waiting = new Set<() => void>();

  push(key: string, line: string): void {
    this.lines.set(key, [...(this.lines.get(key) ?? []), line]);
    for (const w of this.waiting) w();
  }

  async *read(namespace: string, pod: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<string> {
    const containers = [...this.lines.keys()].filter((k) => k.startsWith(`${namespace}/${pod}/`)).map((k) => k.split('/')[2]);
    if (!containers.length) throw notFound('pods', '', pod);
    if (!opts.container && containers.length > 1) throw badRequest(`a container name must be specified for pod ${pod}, choose one of: [${containers.join(' ')}]`);
    const key = `${namespace}/${pod}/${opts.container ?? containers[0]}`;
    const all = this.lines.get(key) ?? [];
    let next = opts.tailLines !== undefined ? Math.max(0, all.length - opts.tailLines) : 0;
    for (;;) {
      const current = this.lines.get(key) ?? [];
      while (next < current.length) yield current[next++];
      if (!opts.follow || signal.aborted) return;
      await new Promise<void>((resolve) => {
        const wake = () => { this.waiting.delete(wake); resolve(); };
        this.waiting.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
      if (signal.aborted) return;
    }
  }
}

const logs = new MemoryLogs();
let f: Fixture;
before(async () => {
  f = await startFixture({ logs });
  for (const [name, containers] of [['web', ['app']], ['meshed', ['app', 'sidecar']]] as const) {
    f.api.create(f.api.type('', 'pods'), { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: containers.map((c) => ({ name: c, image: 'x' })) } });
    for (const c of containers) for (let i = 1; i <= 3; i++) logs.push(`default/${name}/${c}`, `${c} line ${i}`);
  }
});
after(() => f.close());

describe('kubectl logs', () => {
  test('prints the log, and the last lines with --tail', async () => {
    assert.equal((await f.kubectl(['logs', 'web'])).stdout, 'app line 1\napp line 2\napp line 3\n');
    assert.equal((await f.kubectl(['logs', 'web', '--tail=1'])).stdout, 'app line 3\n');
  });

  test('a pod with several containers: kubectl defaults to the first, the API asks for one', async () => {
    const r = await f.kubectl(['logs', 'meshed', '--tail=1']);
    assert.equal(r.stdout, 'app line 3\n');
    assert.match(r.stderr, /Defaulted container "app" out of: app, sidecar/);
    assert.equal((await f.kubectl(['logs', 'meshed', '-c', 'sidecar', '--tail=2'])).stdout, 'sidecar line 2\nsidecar line 3\n');
    const raw = await f.request('GET', '/api/v1/namespaces/default/pods/meshed/log');
    assert.equal(raw.status, 400);
    assert.equal(raw.json().message, 'a container name must be specified for pod meshed, choose one of: [app sidecar]');
  });

  test('a missing pod is NotFound', async () => {
    const r = await f.kubectl(['logs', 'nope']);
    assert.match(r.stderr, /pods "nope" not found/);
  });

  test('-f streams lines as they are written, until the client goes away', async () => {
    const child = spawn(KUBECTL, ['--kubeconfig', f.kubeconfig, '--cache-dir', join(f.dir, 'cache'), 'logs', '-f', 'web', '--tail=1'], { env: { PATH: process.env.PATH ?? '/usr/bin', HOME: f.dir } });
    let out = '';
    const seen = (text: string) => new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`kubectl logs -f printed only ${JSON.stringify(out)}`)), 15_000);
      const check = () => { if (out.includes(text)) { clearTimeout(deadline); child.stdout.off('data', onData); resolve(); } };
      const onData = (c: Buffer) => { out += c.toString(); check(); };
      child.stdout.on('data', onData);
      check();
    });
    try {
      await seen('app line 3\n');
      logs.push('default/web/app', 'app line 4 (live)');
      await seen('app line 4 (live)\n');
      logs.push('default/web/app', 'app line 5 (live)');
      await seen('app line 5 (live)\n');
    } finally {
      child.kill();
    }
    assert.equal(out, 'app line 3\napp line 4 (live)\napp line 5 (live)\n');
  });
});

test('without a LogSource, logs are 404', async () => {
  const g = await startFixture();
  try {
    g.api.create(g.api.type('', 'pods'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'x' }] } });
    const res = await g.request('GET', '/api/v1/namespaces/default/pods/p/log');
    assert.equal(res.status, 404);
    assert.match(res.json().message, /logs are not available/);
  } finally {
    await g.close();
  }
});
