// Runs a lesson the way a learner does, through the playground's REST API (the same operations the lesson page
// calls): a fresh session, then step by step — every check of the step must FAIL before the step's blocks run,
// the blocks run in order (terminal lines, manifests), and each check must PASS where it stands, retried for a
// while as a learner presses Check again while a rollout finishes. A lesson whose check passes before its step,
// or never passes after it, fails with the lesson, step and the check's own hint.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLessonSource, type LessonStep } from '../../site/src/lib/lessons/lesson-source.js';
import { createSession, ndjson, rest } from '../server/fixture.js';

export const LESSONS_DIR = fileURLToPath(new URL('../../site/lessons/', import.meta.url));

export interface LessonFile {
  id: string;
  path: string;
  frontMatter: Record<string, unknown>;
  steps: LessonStep[];
}

export function lessonFiles(): LessonFile[] {
  return readdirSync(LESSONS_DIR)
    .filter((f) => /^\d\d-.+\.md$/.test(f))
    .sort()
    .map((f) => {
      const path = join(LESSONS_DIR, f);
      const { frontMatter, steps } = readLessonSource(readFileSync(path, 'utf8'), f);
      return { id: f.replace(/\.md$/, ''), path, frontMatter, steps };
    });
}

/** How long a check may take to start passing after its step's blocks ran (rollouts, config push). */
const PASS_WITHIN_MS = 45_000;
const RETRY_EVERY_MS = 1_000;
/** A lesson line's time limit (bench and conformance lines take the longest). */
const LINE_TIMEOUT_S = 60;
/** Exit codes a lesson line may end with on purpose: curl's 22 is "the server answered with an error status". */
const ALLOWED_EXIT: Record<string, number[]> = { curl: [0, 22], kubectl: [0] };

export interface CheckRecord {
  step: string;
  check: string;
  before: { passed: boolean; hint: string };
  after: { passed: boolean; hint: string; attempts: number };
}

export interface LessonRunRecord {
  lesson: string;
  checks: CheckRecord[];
  /** Lines whose program exited non-zero (allowed ones), for the log. */
  nonZero: { line: string; exitCode: number }[];
}

class LessonFailure extends Error {}

export async function runLessonThroughApi(base: string, lesson: LessonFile, log: (msg: string) => void = () => undefined): Promise<LessonRunRecord> {
  const session = await createSession(base, ['bookinfo', 'httpbin']);
  const token = session.token;
  const record: LessonRunRecord = { lesson: lesson.id, checks: [], nonZero: [] };
  const fail = (step: string, message: string) => new LessonFailure(`${lesson.id} › ${step}: ${message}`);

  const runCheck = async (step: string, check: { check: string; args?: Record<string, unknown> }) => {
    const r = await rest(base, 'POST', `/api/session/checks/${check.check}`, { token, body: { lesson: lesson.id, args: check.args ?? {} } });
    if (r.status !== 200) throw fail(step, `check "${check.check}" could not run: ${r.status} ${r.text.slice(0, 500)}`);
    return r.body as { passed: boolean; hint: string };
  };

  for (const step of lesson.steps) {
    const checks = step.blocks.filter((b) => b.kind === 'check');
    const before = new Map<number, { passed: boolean; hint: string }>();
    for (const [i, c] of checks.entries()) {
      const r = await runCheck(step.slug, c.check);
      if (r.passed) throw fail(step.slug, `check "${c.check.label ?? c.check.check}" already passes before the step ran (${r.hint}); a check must verify what the step does`);
      before.set(i, r);
    }
    let checkIndex = 0;
    for (const block of step.blocks) {
      if (block.kind === 'run') {
        for (const { line, stdin } of block.commands) {
          // The server stops a line after LINE_TIMEOUT_S (exit 124, with its output); the request waits longer so that
          // answer, not a client-side abort, is what a slow line fails with.
          const r = await rest(base, 'POST', '/api/session/terminal', { token, timeoutMs: (LINE_TIMEOUT_S + 30) * 1000, body: stdin === undefined ? { line, timeoutSeconds: LINE_TIMEOUT_S } : { line, stdin, timeoutSeconds: LINE_TIMEOUT_S } });
          if (r.status !== 200) throw fail(step.slug, `"${line}" was refused: ${r.status} ${r.text.slice(0, 500)}`);
          const frames = ndjson(r.text);
          const exit = frames.find((f) => f.result)?.result as { exitCode: number; timedOut: boolean } | undefined;
          const output = frames.filter((f) => f.event).map((f) => f.event.data as string).join('');
          if (!exit) throw fail(step.slug, `"${line}" ended without a result: ${JSON.stringify(frames.find((f) => f.error)?.error ?? frames.at(-1))}`);
          log(`  $ ${line}${stdin ? ' (with stdin)' : ''} → ${exit.exitCode}`);
          // What a built-in printed last (bench's summary, conformance's table) — the failure log shows it.
          if (!line.startsWith('kubectl ')) for (const row of output.trimEnd().split('\n').slice(-4)) log(`    ${row.slice(0, 240)}`);
          const program = line.split(/\s+/)[0];
          if (exit.exitCode !== 0) {
            if (!(ALLOWED_EXIT[program] ?? [0]).includes(exit.exitCode)) throw fail(step.slug, `"${line}" exited ${exit.exitCode}${exit.timedOut ? ' (timed out)' : ''}:\n${output.slice(-2000)}`);
            record.nonZero.push({ line, exitCode: exit.exitCode });
          }
        }
      } else if (block.kind === 'apply') {
        const r = await rest(base, 'POST', '/api/session/resources', { token, body: { manifest: block.manifest } });
        if (r.status >= 300) throw fail(step.slug, `its manifest was not applied: ${r.status} ${r.text.slice(0, 800)}`);
        log(`  applied ${(r.body as { applied: { kind: string; name: string }[] }).applied.map((o) => `${o.kind}/${o.name}`).join(', ')}`);
      } else {
        const started = Date.now();
        let attempts = 0;
        let last: { passed: boolean; hint: string };
        do {
          if (attempts) await new Promise((r) => setTimeout(r, RETRY_EVERY_MS));
          attempts++;
          last = await runCheck(step.slug, block.check);
        } while (!last.passed && Date.now() - started < PASS_WITHIN_MS);
        if (!last.passed) throw fail(step.slug, `check "${block.check.label ?? block.check.check}" did not pass after the step (${attempts} tries): ${last.hint}`);
        log(`  ✔ ${block.check.check}: ${last.hint}`);
        record.checks.push({ step: step.slug, check: block.check.check, before: before.get(checkIndex)!, after: { ...last, attempts } });
        checkIndex++;
      }
    }
  }
  await rest(base, 'DELETE', '/api/session', { token });
  return record;
}
