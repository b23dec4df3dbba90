// A lesson's steps and interactive blocks, read from its Markdown tree (mdast). One reader for everything that
// needs them: the build (remark-lesson-blocks.ts turns the blocks into buttons), the tests that run every lesson
// through the API and in a browser, and the lesson bench. Blocks are ordinary fenced code:
//   ```sh run                      one command per line (a heredoc is its command's stdin), run in the terminal
//   ```yaml apply portable         a manifest that runs on Istio / Linkerd / any GAMMA mesh as is
//   ```yaml apply sandbox-only     a manifest only the sandbox understands (say why in the text)
//   ```check                       {"check": "<name>", "args": {...}, "label": "..."}
// Each block belongs to the step of the nearest `##` heading above it (its slug is the step id).
import GithubSlugger from 'github-slugger';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { parse as parseYaml } from 'yaml';
import { parseCommandText, type CommandLine } from './command-lines.ts';

export interface MdNode {
  type: string;
  depth?: number;
  lang?: string | null;
  meta?: string | null;
  value?: string;
  children?: MdNode[];
}

export interface CheckBlock {
  check: string;
  args?: Record<string, unknown>;
  label?: string;
}

export type Portability = 'portable' | 'sandbox-only';

export type LessonBlock =
  | { kind: 'run'; step: string; text: string; commands: CommandLine[] }
  | { kind: 'apply'; step: string; manifest: string; portability: Portability }
  | { kind: 'check'; step: string; check: CheckBlock };

export interface LessonStep {
  slug: string;
  title: string;
  blocks: LessonBlock[];
}

/** Where a block sits in the tree, so the build can replace it with its markup. */
export interface PlacedBlock {
  block: LessonBlock;
  parent: MdNode;
  index: number;
}

export const CHECK_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const PORTABILITY: Portability[] = ['portable', 'sandbox-only'];

export function textOf(node: MdNode): string {
  if (typeof node.value === 'string') return node.value;
  return (node.children ?? []).map(textOf).join('');
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
  if (!b || typeof b !== 'object' || typeof b.check !== 'string' || !CHECK_NAME.test(b.check))
    throw new Error(`${where}: check block field "check" must name a server check (lowercase, dashes)`);
  if (b.args !== undefined && (typeof b.args !== 'object' || b.args === null || Array.isArray(b.args))) throw new Error(`${where}: check block field "args" must be an object`);
  if (b.label !== undefined && typeof b.label !== 'string') throw new Error(`${where}: check block field "label" must be a string`);
  const extra = Object.keys(b).filter((k) => !['check', 'args', 'label'].includes(k));
  if (extra.length) throw new Error(`${where}: check block has unknown field(s) ${extra.join(', ')} (check, args, label)`);
  return b;
}

/** Every interactive block in document order, with its step; `where` names the file in errors. */
export function placeLessonBlocks(tree: MdNode, where: string): { steps: { slug: string; title: string }[]; placed: PlacedBlock[] } {
  const slugger = new GithubSlugger();
  const steps: { slug: string; title: string }[] = [];
  const placed: PlacedBlock[] = [];
  let step = 'intro';
  const walk = (parent: MdNode) => {
    const children = parent.children ?? [];
    for (let index = 0; index < children.length; index++) {
      const node = children[index];
      if (node.type === 'heading') {
        const title = textOf(node);
        const slug = slugger.slug(title);
        if (node.depth === 2) {
          step = slug;
          steps.push({ slug, title });
        }
        continue;
      }
      if (node.type !== 'code') {
        if (node.children) walk(node);
        continue;
      }
      const meta = (node.meta ?? '').split(/\s+/).filter(Boolean);
      const at = `${where} (step "${step}")`;
      let block: LessonBlock | undefined;
      if (meta.includes('run')) {
        const text = node.value ?? '';
        const { commands, awaiting } = parseCommandText(text);
        if (awaiting) throw new Error(`${at}: a heredoc in a \`\`\`sh run block never ends (no line "${awaiting}")`);
        block = { kind: 'run', step, text, commands };
      } else if (meta.includes('apply')) {
        const portability = meta.find((m): m is Portability => (PORTABILITY as string[]).includes(m));
        if (!portability) throw new Error(`${at}: a \`\`\`yaml apply block says whether it is portable: \`\`\`yaml apply portable (runs on Istio/Linkerd as is) or \`\`\`yaml apply sandbox-only`);
        block = { kind: 'apply', step, manifest: node.value ?? '', portability };
      } else if (node.lang === 'check') {
        block = { kind: 'check', step, check: parseCheckBlock(node.value ?? '', at) };
      }
      if (block) placed.push({ block, parent, index });
    }
  };
  walk(tree);
  return { steps, placed };
}

/** A lesson file's front matter (unchecked: the site's content schema checks it) and its steps with their blocks. */
export function readLessonSource(text: string, where: string): { frontMatter: Record<string, unknown>; steps: LessonStep[] } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (!m) throw new Error(`${where}: a lesson starts with front matter between --- lines`);
  const frontMatter = (parseYaml(m[1]) ?? {}) as Record<string, unknown>;
  const tree = fromMarkdown(text.slice(m[0].length)) as MdNode;
  const { steps, placed } = placeLessonBlocks(tree, where);
  const bySlug = new Map(steps.map((s) => [s.slug, { ...s, blocks: [] as LessonBlock[] }]));
  const intro: LessonStep = { slug: 'intro', title: '', blocks: [] };
  for (const { block } of placed) (bySlug.get(block.step) ?? intro).blocks.push(block);
  return { frontMatter, steps: [...(intro.blocks.length ? [intro] : []), ...bySlug.values()] };
}
