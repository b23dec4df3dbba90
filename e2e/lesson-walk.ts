// Walks a lesson in Chromium the way a learner does, by clicking, under the same rule as the API harness
// (test/lessons/lesson-api.ts): for each step, every Check is clicked first and must say ✘, then the step's Run and
// Apply buttons are clicked in document order (each must finish without errors), then each Check is clicked —
// again every second, as a learner would while a rollout finishes — until it says ✔. The steps and blocks come from
// the lesson's Markdown through the same reader as the build (lesson-source.ts); the page's blocks are matched to
// them by their order on the page.
import type { Page } from 'playwright-core';
import type { LessonFile } from '../test/lessons/lesson-api.js';

/** As the API harness: how long a check may take to start passing after its step (rollouts, config push). */
const PASS_WITHIN_MS = 45_000;
const RETRY_EVERY_MS = 1_000;
/** A run block's lines (bench, conformance) can take a while; the server bounds each line anyway. */
const BLOCK_WITHIN_MS = 120_000;

export interface WalkedBlock {
  step: string;
  kind: 'run' | 'apply';
  output: string;
}

export interface WalkedCheck {
  step: string;
  check: string;
  before: string;
  after: string;
  attempts: number;
}

export interface LessonWalk {
  blocks: WalkedBlock[];
  checks: WalkedCheck[];
  /** Milliseconds from the walk's start (the page already open) to the first check passing. */
  firstPassMs: number | null;
}

export class LessonWalkFailure extends Error {}

/** Click a Check (index among the page's checks) once; its verdict and text. */
async function clickCheckOnce(page: Page, index: number): Promise<{ passed: boolean; text: string }> {
  const box = page.locator('.check').nth(index);
  await box.locator('button').click();
  // The runner removes data-passed when the click starts and sets it with the verdict.
  await page.waitForFunction((i) => document.querySelectorAll('.check .check-result')[i]?.hasAttribute('data-passed'), index, { timeout: 60_000, polling: 200 });
  const result = box.locator('.check-result');
  return { passed: (await result.getAttribute('data-passed')) === 'true', text: ((await result.textContent()) ?? '').trim() };
}

/** Click a Run or Apply button (index among blocks of that kind); wait for it to finish; its output. */
async function clickBlock(page: Page, kind: 'run' | 'apply', index: number): Promise<{ ok: boolean; output: string }> {
  const selector = `[data-kind=${kind}]`;
  const block = page.locator(selector).nth(index);
  // data-ran is set when the block finishes (ok / failed): clear a restored one so we wait for this click's.
  await page.evaluate(({ s, i }) => document.querySelectorAll<HTMLElement>(s)[i]?.removeAttribute('data-ran'), { s: selector, i: index });
  await block.locator('button[data-action]').first().click();
  await page.waitForFunction(({ s, i }) => document.querySelectorAll<HTMLElement>(s)[i]?.hasAttribute('data-ran'), { s: selector, i: index }, { timeout: BLOCK_WITHIN_MS, polling: 250 });
  return { ok: (await block.getAttribute('data-ran')) === 'ok', output: (await block.locator('.runnable-output').textContent()) ?? '' };
}

export interface WalkOptions {
  log?: (line: string) => void;
  /** Click each Check before its step and expect ✘ (the rule; default true). The lesson bench turns it off. */
  checkBefore?: boolean;
  /** Stop once the first check has passed (the lesson bench's "time to first check"). */
  untilFirstPass?: boolean;
}

/** Walk an open lesson page (its session ready) step by step; throws LessonWalkFailure naming the step. */
export async function walkLesson(page: Page, lesson: LessonFile, { log = () => undefined, checkBefore = true, untilFirstPass = false }: WalkOptions = {}): Promise<LessonWalk> {
  const started = Date.now();
  const walk: LessonWalk = { blocks: [], checks: [], firstPassMs: null };
  const fail = (step: string, message: string) => new LessonWalkFailure(`${lesson.id} › ${step} (browser): ${message}`);
  const counts = { run: page.locator('[data-kind=run]').count(), apply: page.locator('[data-kind=apply]').count(), check: page.locator('.check').count() };
  const expected = { run: 0, apply: 0, check: 0 };
  for (const b of lesson.steps.flatMap((s) => s.blocks)) expected[b.kind]++;
  for (const kind of ['run', 'apply', 'check'] as const) {
    const onPage = await counts[kind];
    if (onPage !== expected[kind]) throw fail('page', `the page shows ${onPage} ${kind} blocks, the lesson's Markdown has ${expected[kind]}`);
  }
  const next = { run: 0, apply: 0, check: 0 };
  for (const step of lesson.steps) {
    const checkIndexes: number[] = [];
    let k = next.check;
    for (const b of step.blocks) if (b.kind === 'check') checkIndexes.push(k++);
    const before = new Map<number, string>();
    for (const i of checkBefore ? checkIndexes : []) {
      const r = await clickCheckOnce(page, i);
      if (r.passed) throw fail(step.slug, `check #${i + 1} already says ✔ before the step ran: ${r.text}`);
      before.set(i, r.text);
    }
    for (const b of step.blocks) {
      if (b.kind === 'check') {
        const i = next.check++;
        const t0 = Date.now();
        let attempts = 0;
        let r: { passed: boolean; text: string };
        do {
          if (attempts) await page.waitForTimeout(RETRY_EVERY_MS);
          attempts++;
          r = await clickCheckOnce(page, i);
        } while (!r.passed && Date.now() - t0 < PASS_WITHIN_MS);
        if (!r.passed) throw fail(step.slug, `check "${b.check.label ?? b.check.check}" still says ✘ after the step (${attempts} clicks): ${r.text}`);
        walk.firstPassMs ??= Date.now() - started;
        log(`  ✔ ${b.check.check} (${attempts} click${attempts === 1 ? '' : 's'})`);
        walk.checks.push({ step: step.slug, check: b.check.check, before: before.get(i) ?? '', after: r.text, attempts });
        if (untilFirstPass) return walk;
      } else {
        const r = await clickBlock(page, b.kind, next[b.kind]++);
        log(`  ${b.kind} block in ${step.slug}: ${r.ok ? 'ok' : 'FAILED'}`);
        // As the API harness allows: curl's exit code 22 is "the server answered with an error status" (a fault step).
        const exits = [...r.output.matchAll(/\(exit code (\d+)/g)].map((m) => Number(m[1]));
        const onlyCurlErrors = b.kind === 'run' && exits.length > 0 && exits.every((c) => c === 22);
        if (!r.ok && !onlyCurlErrors) {
          // Each line with how it ended (the runner prints "$ line" and, when it failed, "(exit code N…)"), then the tail.
          const outline = r.output.split('\n').filter((l) => l.startsWith('$ ') || l.startsWith('(exit code') || /is not available|error/i.test(l)).slice(0, 20);
          throw fail(step.slug, `its ${b.kind} block finished with errors:\n${outline.join('\n')}\n…\n${r.output.slice(-1200)}`);
        }
        walk.blocks.push({ step: step.slug, kind: b.kind, output: r.output });
      }
    }
  }
  return walk;
}

/** The first lesson (lowest order) of each topic, in topic order of first appearance. */
export function firstLessonOfEachTopic(lessons: LessonFile[]): LessonFile[] {
  const first = new Map<string, LessonFile>();
  const order = (l: LessonFile) => Number(l.frontMatter.order);
  for (const l of [...lessons].sort((a, b) => order(a) - order(b))) {
    const topic = String(l.frontMatter.topic);
    if (!first.has(topic)) first.set(topic, l);
  }
  return [...first.values()];
}
