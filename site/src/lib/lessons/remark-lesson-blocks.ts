// Lesson blocks (lesson-source.ts reads them) turned into interactive markup at build time: a Run button for
// ```sh run, an editable manifest with an Apply button and its portability badge for ```yaml apply, a Check
// button for ```check. Each block carries the step it belongs to (data-step, the `##` heading's slug).
import { placeLessonBlocks, type CheckBlock, type MdNode, type Portability } from './lesson-source.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function runBlock(text: string, step: string): string {
  const code = escapeHtml(text.replace(/\n+$/, ''));
  return `<div class="runnable" data-kind="run" data-step="${step}"><pre class="runnable-code"><code>${code}</code></pre>` +
    `<div class="runnable-bar"><button type="button" class="btn" data-action="run">Run</button><span class="runnable-state" role="status"></span></div>` +
    `<pre class="runnable-output" hidden tabindex="0" aria-label="Output"></pre></div>`;
}

const PORTABILITY_BADGE: Record<Portability, string> = {
  portable: '<span class="badge badge-portable" title="Runs on Istio, Linkerd or any Gateway API mesh as is">portable</span>',
  'sandbox-only': '<span class="badge badge-sandbox" title="Only the playground sandbox understands this manifest">sandbox-only</span>',
};

function applyBlock(manifest: string, step: string, n: number, portability: Portability): string {
  const rows = Math.min(24, manifest.split('\n').length + 1);
  const id = `manifest-${step}-${n}`;
  return `<div class="runnable" data-kind="apply" data-step="${step}" data-portability="${portability}"><label class="runnable-label" for="${id}">Manifest (edit it if you like, then apply) ${PORTABILITY_BADGE[portability]}</label>` +
    `<textarea id="${id}" class="manifest" spellcheck="false" rows="${rows}">${escapeHtml(manifest)}</textarea>` +
    `<div class="runnable-bar"><button type="button" class="btn" data-action="apply">Apply</button><span class="runnable-state" role="status"></span></div>` +
    `<pre class="runnable-output" hidden tabindex="0" aria-label="Output"></pre></div>`;
}

function checkBlock(block: CheckBlock, step: string): string {
  const args = escapeHtml(JSON.stringify(block.args ?? {}));
  return `<div class="check" data-check="${escapeHtml(block.check)}" data-args="${args}" data-step="${step}">` +
    `<button type="button" class="btn btn-check" data-action="check">${escapeHtml(block.label ?? 'Check')}</button>` +
    `<div class="check-result" role="status" aria-live="polite"></div></div>`;
}

export function remarkLessonBlocks() {
  return (tree: MdNode, file: { path?: string }) => {
    let n = 0;
    for (const { block, parent, index } of placeLessonBlocks(tree, file.path ?? 'lesson').placed) {
      const html =
        block.kind === 'run' ? runBlock(block.text, block.step) : block.kind === 'apply' ? applyBlock(block.manifest, block.step, n++, block.portability) : checkBlock(block.check, block.step);
      parent.children![index] = { type: 'html', value: html };
    }
  };
}
