// The lesson reader (site/src/lib/lessons/lesson-source.ts) and the terminal-text parser it uses
// (command-lines.ts): steps and blocks in document order, heredocs as their command's stdin, and the mistakes an
// author makes — a manifest that does not say portable or sandbox-only, a check block that is not JSON, a heredoc
// that never ends — fail with the file and step named, at build time rather than in front of a learner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandText } from '../../site/src/lib/lessons/command-lines.ts';
import { parseCheckBlock, readLessonSource } from '../../site/src/lib/lessons/lesson-source.ts';

const FRONT = '---\ntitle: A lesson\norder: 9\ntopic: getting-started\n---\n';
const fence = (info: string, body: string) => `\`\`\`${info}\n${body}\n\`\`\`\n`;

test('one command per line; blank lines are skipped; a heredoc becomes its command’s stdin', () => {
  const text = [
    'kubectl get pods',
    '',
    'kubectl apply -f - <<EOF',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: x',
    'EOF',
    "kubectl apply -f - <<'END'",
    '  indented: $NOT_EXPANDED',
    'END',
    'curl http://productpage:9080/productpage',
  ].join('\n');
  assert.deepEqual(parseCommandText(text), {
    commands: [
      { line: 'kubectl get pods' },
      { line: 'kubectl apply -f -', stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' },
      { line: 'kubectl apply -f -', stdin: '  indented: $NOT_EXPANDED\n' },
      { line: 'curl http://productpage:9080/productpage' },
    ],
  });
});

test('<<- strips leading tabs (and the delimiter’s), CRLF text reads as LF, an empty heredoc is empty stdin', () => {
  assert.deepEqual(parseCommandText('kubectl apply -f - <<-EOF\r\n\tkind: Service\r\n\tEOF\r\n'), { commands: [{ line: 'kubectl apply -f -', stdin: 'kind: Service\n' }] });
  assert.deepEqual(parseCommandText('kubectl apply -f - <<EOF\nEOF'), { commands: [{ line: 'kubectl apply -f -', stdin: '' }] });
});

test('text that ends inside a heredoc says which delimiter is still awaited (the terminal prompts for more)', () => {
  const r = parseCommandText('kubectl get pods\nkubectl apply -f - <<EOF\nkind: Service');
  assert.equal(r.awaiting, 'EOF');
  assert.deepEqual(r.commands, [{ line: 'kubectl get pods' }], 'the finished lines before it still count');
});

test('a lesson reads into steps by ## heading, each with its run, apply and check blocks in order', () => {
  const { frontMatter, steps } = readLessonSource(
    FRONT +
      'Intro text.\n\n' +
      fence('sh run', 'kubectl get pods') +
      '\n## First step\n\n' +
      fence('sh run', 'kubectl apply -f - <<EOF\nkind: ConfigMap\nEOF\nstat') +
      fence('check', '{"check": "deployment-ready", "args": {"name": "x"}, "label": "Is x up?"}') +
      '\n### Not a step\n\n' +
      fence('yaml apply portable', 'kind: HTTPRoute') +
      '\n## Second step\n\n' +
      fence('yaml apply sandbox-only', 'kind: TrafficSplit') +
      fence('yaml', 'kind: JustText') +
      fence('sh', 'echo not runnable'),
    'x.md',
  );
  assert.deepEqual(frontMatter, { title: 'A lesson', order: 9, topic: 'getting-started' });
  assert.deepEqual(steps.map((s) => [s.slug, s.title, s.blocks.map((b) => b.kind)]), [
    ['intro', '', ['run']],
    ['first-step', 'First step', ['run', 'check', 'apply']],
    ['second-step', 'Second step', ['apply']],
  ]);
  const first = steps[1].blocks;
  assert.deepEqual(first[0].kind === 'run' && first[0].commands, [{ line: 'kubectl apply -f -', stdin: 'kind: ConfigMap\n' }, { line: 'stat' }]);
  assert.deepEqual(first[1].kind === 'check' && first[1].check, { check: 'deployment-ready', args: { name: 'x' }, label: 'Is x up?' });
  assert.equal(first[2].kind === 'apply' && first[2].portability, 'portable');
  assert.equal(steps[2].blocks[0].kind === 'apply' && steps[2].blocks[0].portability, 'sandbox-only');
});

test('a manifest block without portable or sandbox-only is an error naming the file, the step and the fix', () => {
  assert.throws(() => readLessonSource(FRONT + '## Apply it\n\n' + fence('yaml apply', 'kind: HTTPRoute'), '07-x.md'), (err: Error) => {
    assert.match(err.message, /^07-x\.md \(step "apply-it"\)/);
    assert.match(err.message, /yaml apply portable .*sandbox-only/);
    return true;
  });
});

test('a check block that is not JSON, or names no check, or has extra fields, is an error naming the step', () => {
  const bad: [string, RegExp][] = [
    ['{"check": "route-split", }', /holds JSON like/],
    ['not json', /holds JSON like/],
    ['{"args": {}}', /field "check" must name a server check/],
    ['{"check": "Route_Split"}', /field "check" must name a server check/],
    ['{"check": "traffic", "args": [1]}', /field "args" must be an object/],
    ['{"check": "traffic", "label": 3}', /field "label" must be a string/],
    ['{"check": "traffic", "arg": {}}', /unknown field\(s\) arg/],
  ];
  for (const [body, message] of bad) {
    assert.throws(() => readLessonSource(FRONT + '## Check it\n\n' + fence('check', body), '08-y.md'), (err: Error) => {
      assert.match(err.message, /^08-y\.md \(step "check-it"\)/, body);
      assert.match(err.message, message, body);
      return true;
    });
  }
  assert.deepEqual(parseCheckBlock('{"check": "bookinfo-ready"}', 'z'), { check: 'bookinfo-ready' });
});

test('a heredoc in a run block that never ends, and a file without front matter, are errors', () => {
  assert.throws(() => readLessonSource(FRONT + '## Paste\n\n' + fence('sh run', 'kubectl apply -f - <<EOF\nkind: Service'), '09-z.md'), /09-z\.md \(step "paste"\): a heredoc .* never ends \(no line "EOF"\)/);
  assert.throws(() => readLessonSource('# No front matter\n', '10-w.md'), /10-w\.md: a lesson starts with front matter/);
});
