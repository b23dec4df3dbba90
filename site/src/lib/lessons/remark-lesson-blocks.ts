// Lesson blocks, written as ordinary fenced code in Markdown and turned into interactive markup at build time:
//   ```sh run        one command per line (kubectl, curl, stat, tap, topology, bench), run with one click
//   ```yaml apply    a manifest the learner may edit, then applies (server-side apply into the session)
//   ```check         {"check": "<name>", "args": {...}, "label": "..."} — a Check button for the step
// Each block records the step it belongs to: the slug of the nearest `##` heading above it.
import GithubSlugger from 'github-slugger';

interface MdNode {
  type: string;
  depth?: number;
  lang?: string | null;
  meta?: string | null;
  value?: string;
  children?: MdNode[];
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function textOf(node: MdNode): string {
  if (typeof node.value === 'string') return node.value;
  return (node.children ?? []).map(textOf).join('');
}

export interface CheckBlock {
  check: string;
  args?: Record<string, unknown>;
  label?: string;
}

/** Parse a ```check block; a malformed one fails the build with the lesson's own words, not at run time. */
export function parseCheckBlock(source: string, where: string): CheckBlock {
  let block: unknown;
  try {
    block = JSON.parse(source);
  } catch (err) {
    throw new Error(`${where}: a check block holds JSON like {"check": "route-split", "args": {…}} (${(err as Error).message})`);
  }
  const b = block as CheckBlock;
  if (!b || typeof b !== 'object' || typeof b.check !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(b.check))
    throw new Error(`${where}: check block field "check" must name a server check (lowercase, dashes)`);
  if (b.args !== undefined && (typeof b.args !== 'object' || Array.isArray(b.args))) throw new Error(`${where}: check block field "args" must be an object`);
  return b;
}

function runBlock(lines: string[], step: string): string {
  const code = escapeHtml(lines.join('\n'));
  return `<div class="runnable" data-kind="run" data-step="${step}"><pre class="runnable-code"><code>${code}</code></pre>` +
    `<div class="runnable-bar"><button type="button" class="btn" data-action="run">Run</button><span class="runnable-state" role="status"></span></div>` +
    `<pre class="runnable-output" hidden tabindex="0" aria-label="Output"></pre></div>`;
}

function applyBlock(manifest: string, step: string, n: number): string {
  const rows = Math.min(24, manifest.split('\n').length + 1);
  const id = `manifest-${step}-${n}`;
  return `<div class="runnable" data-kind="apply" data-step="${step}"><label class="runnable-label" for="${id}">Manifest (edit it if you like, then apply)</label>` +
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
    const slugger = new GithubSlugger();
    let step = 'intro';
    let n = 0;
    const walk = (parent: MdNode) => {
      const children = parent.children ?? [];
      for (let i = 0; i < children.length; i++) {
        const node = children[i];
        if (node.type === 'heading') {
          const slug = slugger.slug(textOf(node));
          if (node.depth === 2) step = slug;
          continue;
        }
        if (node.type !== 'code') {
          if (node.children) walk(node);
          continue;
        }
        const meta = (node.meta ?? '').split(/\s+/);
        const where = `${file.path ?? 'lesson'} (step "${step}")`;
        if (meta.includes('run')) {
          const lines = (node.value ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
          children[i] = { type: 'html', value: runBlock(lines, step) };
        } else if (meta.includes('apply')) {
          children[i] = { type: 'html', value: applyBlock(node.value ?? '', step, n++) };
        } else if (node.lang === 'check') {
          children[i] = { type: 'html', value: checkBlock(parseCheckBlock(node.value ?? '', where), step) };
        }
      }
    };
    walk(tree);
  };
}
