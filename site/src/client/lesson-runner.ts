// A lesson page's behaviour: runnable blocks run their lines in the learner's terminal (runTerminal),
// manifest blocks apply (applyResources), Check buttons run the step's server check (runCheck) and, when it
// passes, record progress (updateProgress; the lesson's last check completes it). Plain DOM, no framework:
// a lesson ships a few kilobytes of script.
import { parseCommandText } from '../lib/lessons/command-lines.ts';
import { playground, PlaygroundError, showConnectionState } from './playground-client.ts';

const MAX_OUTPUT_CHARS = 64 * 1024;

function messageOf(err: unknown): string {
  if (err instanceof PlaygroundError) {
    const fields = (err.details?.fields as { field: string; message: string }[] | undefined) ?? [];
    return [err.message, ...fields.map((f) => `  ${f.field}: ${f.message}`)].join('\n');
  }
  return (err as Error).message;
}

async function runLines(block: HTMLElement, button: HTMLButtonElement): Promise<void> {
  const { commands } = parseCommandText(block.querySelector('pre code')?.textContent ?? '');
  const out = block.querySelector<HTMLElement>('.runnable-output')!;
  const state = block.querySelector<HTMLElement>('.runnable-state')!;
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
      const exit = await playground.call('runTerminal', stdin === undefined ? { line } : { line, stdin }, { onEvent: (e) => append(e.data) });
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
  block.dataset.ran = failed ? 'failed' : 'ok';
  button.disabled = false;
}

async function applyManifest(block: HTMLElement, button: HTMLButtonElement): Promise<void> {
  const manifest = block.querySelector<HTMLTextAreaElement>('textarea')!.value;
  const out = block.querySelector<HTMLElement>('.runnable-output')!;
  const state = block.querySelector<HTMLElement>('.runnable-state')!;
  out.hidden = false;
  state.textContent = 'applying…';
  try {
    const result = await playground.call('applyResources', { manifest });
    out.textContent = result.applied.map((o) => `${o.kind.toLowerCase()}/${o.name} applied`).join('\n');
    state.textContent = 'applied';
    block.dataset.ran = 'ok';
  } catch (err) {
    out.textContent = messageOf(err);
    state.textContent = 'not applied';
    block.dataset.ran = 'failed';
  }
  button.disabled = false;
}

async function runCheck(box: HTMLElement, button: HTMLButtonElement, lesson: string, isLast: boolean): Promise<void> {
  const result = box.querySelector<HTMLElement>('.check-result')!;
  result.removeAttribute('data-passed');
  result.textContent = 'Checking your sandbox…';
  try {
    const args = JSON.parse(box.dataset.args ?? '{}') as Record<string, unknown>;
    const r = await playground.call('runCheck', { check: box.dataset.check!, lesson, args });
    result.dataset.passed = String(r.passed);
    result.replaceChildren(r.passed ? '✔ Passed' : '✘ Not yet', Object.assign(document.createElement('span'), { className: 'hint', textContent: r.hint }));
    if (r.passed) await playground.call('updateProgress', { lesson, step: box.dataset.step!, completed: isLast }).catch(() => undefined);
  } catch (err) {
    result.dataset.passed = 'false';
    result.textContent = `The check could not run: ${messageOf(err)}`;
  }
  button.disabled = false;
}

export function initLesson(lesson: string): void {
  showConnectionState();
  void playground.start();
  const checks = [...document.querySelectorAll<HTMLElement>('.check')];
  document.addEventListener('click', (ev) => {
    const button = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button || button.disabled) return;
    const action = button.dataset.action;
    button.disabled = true;
    if (action === 'run') void runLines(button.closest<HTMLElement>('.runnable')!, button);
    else if (action === 'apply') void applyManifest(button.closest<HTMLElement>('.runnable')!, button);
    else if (action === 'check') {
      const box = button.closest<HTMLElement>('.check')!;
      void runCheck(box, button, lesson, box === checks[checks.length - 1]);
    } else button.disabled = false;
  });
}
