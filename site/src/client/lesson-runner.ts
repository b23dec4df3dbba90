// A lesson page's behaviour: runnable blocks run their lines in the learner's terminal (runTerminal),
// manifest blocks apply (applyResources), Check buttons run the step's server check (runCheck) and, when it
// passes, record progress (updateProgress; the lesson is complete once all its checks passed). What ran and
// what passed is saved per session (lesson-saved-state.ts) and restored on reload, merged with the server's
// progress; the sidebar marks done steps and a bar shows checks passed. Plain DOM, no framework: a lesson
// ships a few kilobytes of script.
import { parseCommandText } from '../lib/lessons/command-lines.ts';
import { playground, PlaygroundError, showConnectionState } from './playground-client.ts';
import { MAX_SAVED_OUTPUT, loadLesson, saveLesson, type SavedLesson } from './lesson-saved-state.ts';

const MAX_OUTPUT_CHARS = 64 * 1024;
/** A lesson line may be a whole benchmark or conformance run: the longest the server allows (the terminal's default is 30 s). */
const LINE_TIMEOUT_SECONDS = 120;

interface Page {
  lesson: string;
  runnables: HTMLElement[];
  checks: HTMLElement[];
  saved: SavedLesson;
  /** Known once the session is; nothing is saved before. */
  namespace?: string;
}

function messageOf(err: unknown): string {
  if (err instanceof PlaygroundError) {
    const fields = (err.details?.fields as { field: string; message: string }[] | undefined) ?? [];
    return [err.message, ...fields.map((f) => `  ${f.field}: ${f.message}`)].join('\n');
  }
  return (err as Error).message;
}

const parts = (block: HTMLElement) => ({ out: block.querySelector<HTMLElement>('.runnable-output')!, state: block.querySelector<HTMLElement>('.runnable-state')! });

function remember(page: Page): void {
  if (page.namespace) saveLesson(page.namespace, page.lesson, page.saved);
  showProgress(page);
}

function blockFinished(page: Page, block: HTMLElement, ok: boolean): void {
  const { out, state } = parts(block);
  block.dataset.ran = ok ? 'ok' : 'failed';
  page.saved.blocks[page.runnables.indexOf(block)] = { ran: ok ? 'ok' : 'failed', state: state.textContent ?? '', output: (out.textContent ?? '').slice(-MAX_SAVED_OUTPUT) };
  remember(page);
}

async function runLines(page: Page, block: HTMLElement, button: HTMLButtonElement): Promise<void> {
  const { commands } = parseCommandText(block.querySelector('pre code')?.textContent ?? '');
  const { out, state } = parts(block);
  out.hidden = false;
  out.textContent = '';
  const append = (text: string) => {
    out.textContent = (out.textContent + text).slice(-MAX_OUTPUT_CHARS);
    out.scrollTop = out.scrollHeight;
  };
  let failed = false;
  for (const { line, stdin } of commands) {
    append(`$ ${line}\n`);
    state.textContent = 'running…';
    try {
      const exit = await playground.call('runTerminal', stdin === undefined ? { line, timeoutSeconds: LINE_TIMEOUT_SECONDS } : { line, stdin, timeoutSeconds: LINE_TIMEOUT_SECONDS }, { onEvent: (e) => append(e.data) });
      if (exit.exitCode !== 0) {
        failed = true;
        append(`(exit code ${exit.exitCode}${exit.timedOut ? ', timed out' : ''})\n`);
      }
    } catch (err) {
      failed = true;
      append(`${messageOf(err)}\n`);
      break;
    }
  }
  state.textContent = failed ? 'finished with errors' : 'done';
  blockFinished(page, block, !failed);
  button.disabled = false;
}

async function applyManifest(page: Page, block: HTMLElement, button: HTMLButtonElement): Promise<void> {
  const manifest = block.querySelector<HTMLTextAreaElement>('textarea')!.value;
  const { out, state } = parts(block);
  out.hidden = false;
  state.textContent = 'applying…';
  let ok = false;
  try {
    const result = await playground.call('applyResources', { manifest });
    out.textContent = result.applied.map((o) => `${o.kind.toLowerCase()}/${o.name} applied`).join('\n');
    state.textContent = 'applied';
    ok = true;
  } catch (err) {
    out.textContent = messageOf(err);
    state.textContent = 'not applied';
  }
  blockFinished(page, block, ok);
  button.disabled = false;
}

function showCheck(box: HTMLElement, passed: boolean, hint: string): void {
  const result = box.querySelector<HTMLElement>('.check-result')!;
  result.dataset.passed = String(passed);
  result.replaceChildren(passed ? '✔ Passed' : '✘ Not yet', Object.assign(document.createElement('span'), { className: 'hint', textContent: hint }));
}

async function runCheck(page: Page, box: HTMLElement, button: HTMLButtonElement): Promise<void> {
  const result = box.querySelector<HTMLElement>('.check-result')!;
  result.removeAttribute('data-passed');
  result.textContent = 'Checking your sandbox…';
  try {
    const args = JSON.parse(box.dataset.args ?? '{}') as Record<string, unknown>;
    const r = await playground.call('runCheck', { check: box.dataset.check!, lesson: page.lesson, args });
    showCheck(box, r.passed, r.hint);
    page.saved.checks[page.checks.indexOf(box)] = { passed: r.passed, hint: r.hint };
    remember(page);
    const completed = page.checks.every((c) => c.querySelector('.check-result')?.getAttribute('data-passed') === 'true');
    if (r.passed) await playground.call('updateProgress', { lesson: page.lesson, step: box.dataset.step!, completed }).catch(() => undefined);
  } catch (err) {
    result.dataset.passed = 'false';
    result.textContent = `The check could not run: ${messageOf(err)}`;
  }
  button.disabled = false;
}

/**
 * A step is done when all its checks passed; a step without checks when all its blocks ran without error; a step
 * with neither (reading only) once every step before it is done. The bar counts checks passed.
 */
function showProgress(page: Page): void {
  const passed = (box: HTMLElement) => box.querySelector('.check-result')?.getAttribute('data-passed') === 'true';
  let before = true;
  for (const li of document.querySelectorAll<HTMLElement>('[data-step-item]')) {
    const step = li.dataset.stepItem!;
    const checks = page.checks.filter((c) => c.dataset.step === step);
    const blocks = page.runnables.filter((b) => b.dataset.step === step);
    const done: boolean = checks.length ? checks.every(passed) : blocks.length ? blocks.every((b) => b.dataset.ran === 'ok') : before;
    before &&= done;
    li.classList.toggle('done', done);
    li.querySelector('.sr-only')!.textContent = done ? ' (done)' : '';
  }
  const bar = document.getElementById('lesson-progress') as HTMLProgressElement | null;
  const label = document.getElementById('lesson-progress-label');
  const n = page.checks.filter(passed).length;
  if (bar) bar.value = n;
  if (label) label.textContent = `${n} of ${page.checks.length} checks passed`;
}

/** Put back what this browser saved for the session, then what the server knows (a completed lesson, passed checks). */
async function restore(page: Page): Promise<void> {
  await playground.start();
  page.namespace = playground.namespace;
  const saved = loadLesson(page.namespace, page.lesson);
  for (const [i, b] of Object.entries(saved.blocks)) {
    const block = page.runnables[Number(i)];
    if (!block || block.dataset.ran) continue;
    const { out, state } = parts(block);
    out.hidden = false;
    out.textContent = b.output;
    state.textContent = `${b.state} (earlier)`;
    block.dataset.ran = b.ran;
    page.saved.blocks[i] = b;
  }
  for (const [i, c] of Object.entries(saved.checks)) {
    const box = page.checks[Number(i)];
    if (!box || box.querySelector('.check-result')?.hasAttribute('data-passed')) continue;
    showCheck(box, c.passed, c.hint);
    page.saved.checks[i] = c;
  }
  const progress = await playground.call('getProgress', {}).catch(() => undefined);
  const mine = progress?.lessons.find((l) => l.lesson === page.lesson);
  // Check names used once in the lesson identify their block; a name used in several steps is left to the browser's record.
  const names = page.checks.map((c) => c.dataset.check);
  const passedByServer = new Set((progress?.checks ?? []).filter((c) => c.passed && c.lesson === page.lesson).map((c) => c.check));
  page.checks.forEach((box, i) => {
    if (box.querySelector('.check-result')?.hasAttribute('data-passed')) return;
    const name = box.dataset.check!;
    if (mine?.completed || (passedByServer.has(name) && names.indexOf(name) === names.lastIndexOf(name))) {
      showCheck(box, true, 'Passed earlier in this session.');
      page.saved.checks[i] = { passed: true, hint: 'Passed earlier in this session.' };
    }
  });
  remember(page);
}

export function initLesson(lesson: string): void {
  showConnectionState();
  const page: Page = {
    lesson,
    runnables: [...document.querySelectorAll<HTMLElement>('.runnable')],
    checks: [...document.querySelectorAll<HTMLElement>('.check')],
    saved: { blocks: {}, checks: {} },
  };
  void restore(page).catch(() => undefined);
  document.addEventListener('click', (ev) => {
    const button = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button || button.disabled) return;
    const action = button.dataset.action;
    button.disabled = true;
    if (action === 'run') void runLines(page, button.closest<HTMLElement>('.runnable')!, button);
    else if (action === 'apply') void applyManifest(page, button.closest<HTMLElement>('.runnable')!, button);
    else if (action === 'check') void runCheck(page, button.closest<HTMLElement>('.check')!, button);
    else button.disabled = false;
  });
}
