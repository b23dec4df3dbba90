// Every lesson, read statically (no sandbox, no server): its front matter satisfies the site's schema (topic, apis,
// upstream https links — the same zod schema the build uses), its id and order are unique, its prerequisites
// exist, each `sh run` line starts with a program the terminal has, and every check it names exists in the
// server's registry with args valid against that check's own JSON schema. A typo fails here in a second instead
// of after a sandbox boots (or in front of a learner).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allLessonChecks } from '../../playground-server/checks/index.js';
import { openStore } from '../../playground-server/storage/open-store.js';
import { BUILTINS } from '../../playground-server/terminal/builtins.js';
import { lessonFrontMatter } from '../../site/src/lib/lessons/lesson-front-matter.ts';
import { lessonFiles } from './lesson-api.js';

const lessons = lessonFiles();

/**
 * Programs a lesson line may start with: kubectl, the terminal's built-ins, and the built-ins the server's ops
 * add (bench: ops/benchmarks.ts, conformance: ops/conformance.ts) or that the terminal-server branch adds (load).
 */
const PROGRAMS = new Set(['kubectl', ...Object.keys(BUILTINS), 'bench', 'conformance', 'load']);

test('there are lessons, each file NN-id.md', () => {
  assert.ok(lessons.length >= 3);
  for (const l of lessons) assert.match(l.id, /^\d\d-[a-z0-9]+(-[a-z0-9]+)*$/, l.id);
});

test('every lesson’s front matter satisfies the schema: topic, apis, upstream https URLs', () => {
  for (const l of lessons) {
    const r = lessonFrontMatter.safeParse(l.frontMatter);
    assert.ok(r.success, `${l.id}: ${r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
});

test('orders are unique and prerequisites name existing lessons that come earlier', () => {
  const byId = new Map(lessons.map((l) => [l.id, lessonFrontMatter.parse(l.frontMatter)]));
  const orders = new Map<number, string>();
  for (const [id, fm] of byId) {
    assert.ok(!orders.has(fm.order), `${id} and ${orders.get(fm.order)} share order ${fm.order}`);
    orders.set(fm.order, id);
    for (const p of fm.prerequisites) {
      assert.ok(byId.has(p), `${id}: prerequisite ${p} is not a lesson`);
      assert.ok(byId.get(p)!.order < fm.order, `${id}: prerequisite ${p} comes after it`);
    }
  }
});

test('every lesson has steps and at least one check, and each run line starts with a terminal program', () => {
  for (const l of lessons) {
    const blocks = l.steps.flatMap((s) => s.blocks);
    assert.ok(blocks.some((b) => b.kind === 'check'), `${l.id} has no check`);
    for (const b of blocks)
      if (b.kind === 'run')
        for (const { line } of b.commands) assert.ok(PROGRAMS.has(line.split(/\s+/)[0]), `${l.id} (step "${b.step}"): "${line}" — the terminal has no program "${line.split(/\s+/)[0]}" (${[...PROGRAMS].join(', ')})`);
  }
});

test('every check a lesson names exists in the server’s registry, with args valid against its schema', async () => {
  const store = await openStore(undefined, undefined);
  try {
    const registry = allLessonChecks(store);
    const problems: string[] = [];
    for (const l of lessons)
      for (const step of l.steps)
        for (const b of step.blocks) {
          if (b.kind !== 'check') continue;
          try {
            registry.checkArgs(b.check.check, b.check.args);
          } catch (err) {
            const e = err as Error & { details?: unknown };
            problems.push(`${l.id} (step "${step.slug}") check "${b.check.check}": ${e.message}${e.details ? ` ${JSON.stringify(e.details)}` : ''}`);
          }
        }
    assert.deepEqual(problems, []);
  } finally {
    await store.close();
  }
});

test('the registry refuses an unknown check and args its schema does not allow (so the test above can fail)', async () => {
  const store = await openStore(undefined, undefined);
  try {
    const registry = allLessonChecks(store);
    assert.throws(() => registry.checkArgs('route-spilt', {}), /no check "route-spilt"/);
    assert.throws(() => registry.checkArgs('traffic', { url: 'http://reviews:9080/', servedBy: { 'reviews-v1': 90 }, tolerence: 12 }), (err: Error & { details?: unknown }) => /tolerence|additional/i.test(`${err.message} ${JSON.stringify(err.details)}`));
    assert.throws(() => registry.checkArgs('bookinfo-ready', { name: 'x' }), (err: Error & { details?: unknown }) => /takes no arguments/.test(`${err.message} ${JSON.stringify(err.details)}`));
  } finally {
    await store.close();
  }
});
