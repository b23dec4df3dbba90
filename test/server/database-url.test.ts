// Choosing the store by URL: what `--database` / PLAYGROUND_DATABASE_URL accept, and that the real CLI stops
// with a message naming the flag (and never the password) when the URL is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DatabaseUrlError, parseDatabaseUrl, redactDatabaseUrl } from '../../playground-server/storage/database-url.js';

const BIN = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));

test('postgres URLs select PostgreSQL; sqlite: URLs and bare paths select SQLite', () => {
  assert.deepEqual(parseDatabaseUrl('postgres://u:p@db:5432/playground'), { kind: 'postgres', url: 'postgres://u:p@db:5432/playground' });
  assert.deepEqual(parseDatabaseUrl('postgresql://db/playground?sslmode=require'), { kind: 'postgres', url: 'postgresql://db/playground?sslmode=require' });
  assert.deepEqual(parseDatabaseUrl('postgres:///playground?host=/run/postgresql'), { kind: 'postgres', url: 'postgres:///playground?host=/run/postgresql' });
  assert.deepEqual(parseDatabaseUrl('sqlite:/var/lib/playground/p.db'), { kind: 'sqlite', file: '/var/lib/playground/p.db' });
  assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/playground/p.db'), { kind: 'sqlite', file: '/var/lib/playground/p.db' });
  assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { kind: 'sqlite', file: ':memory:' });
  assert.deepEqual(parseDatabaseUrl('data/playground.db'), { kind: 'sqlite', file: 'data/playground.db' });
});

test('bad URLs are errors naming the flag and the fix, with the password hidden', () => {
  const bad: [string, RegExp][] = [
    ['mysql://root:hunter2@db/x', /^--database mysql:\/\/root:\*\*\*@db\/x: unsupported database "mysql:"/],
    ['postgres://u:hunter2@db', /names no database/],
    ['postgres:///x', /names no host/],
    ['postgres://u:hunter2@db:99999/x', /not a valid URL/],
    ['sqlite:', /names no file/],
    ['  ', /is empty/],
  ];
  for (const [url, message] of bad) {
    assert.throws(() => parseDatabaseUrl(url), (err: Error) => err instanceof DatabaseUrlError && message.test(err.message) && !err.message.includes('hunter2'), url);
  }
  assert.throws(() => parseDatabaseUrl('redis://x/0', 'PLAYGROUND_DATABASE_URL'), /PLAYGROUND_DATABASE_URL redis/);
  assert.equal(redactDatabaseUrl('postgres://u:s3cret@h/d'), 'postgres://u:***@h/d');
});

test('`playground up --database` with a bad URL exits 2 naming the flag; the variable is named when it is the source', { timeout: 60_000 }, () => {
  const flag = spawnSync(process.execPath, [BIN, 'up', '--database', 'mongodb://admin:hunter2@db/x'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(flag.status, 2, flag.stderr);
  assert.match(flag.stderr, /--database mongodb:\/\/admin:\*\*\*@db\/x: unsupported database "mongodb:"/);
  assert.doesNotMatch(flag.stderr, /hunter2/);
  const env = spawnSync(process.execPath, [BIN, 'up'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PLAYGROUND_DATABASE_URL: 'postgres://db' } });
  assert.equal(env.status, 2, env.stderr);
  assert.match(env.stderr, /PLAYGROUND_DATABASE_URL postgres:\/\/db names no database/);
});
