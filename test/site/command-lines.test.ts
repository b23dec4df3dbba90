// Terminal text → command lines: heredocs as stdin in both upstream spellings, backslash continuations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandText } from '../../site/src/lib/lessons/command-lines.js';

test('kubectl apply -f - <<EOF and cat <<EOF | kubectl apply -f - give the same command and stdin', () => {
  const body = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n';
  const want = { commands: [{ line: 'kubectl apply -f -', stdin: body }] };
  assert.deepEqual(parseCommandText(`kubectl apply -f - <<EOF\n${body}EOF\n`), want);
  assert.deepEqual(parseCommandText(`cat <<EOF | kubectl apply -f -\n${body}EOF`), want);
  assert.deepEqual(parseCommandText(`cat <<'EOF' | kubectl apply -f -\n${body}EOF`), want);
});

test('an open heredoc says which delimiter it awaits; the commands before it stand', () => {
  assert.deepEqual(parseCommandText('kubectl get pods\nkubectl apply -f - <<END\nkind: x\n'), { commands: [{ line: 'kubectl get pods' }], awaiting: 'END' });
});

test('a trailing backslash continues the command on the next line; an escaped one does not', () => {
  assert.deepEqual(parseCommandText("curl -H 'end-user: jason' \\\n  http://productpage:9080/productpage\nstat"), {
    commands: [{ line: "curl -H 'end-user: jason' http://productpage:9080/productpage" }, { line: 'stat' }],
  });
  assert.deepEqual(parseCommandText('echo a\\\\\nstat').commands.length, 2);
});
