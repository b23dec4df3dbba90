// A lesson's outline at build time: its steps (slug + the heading's words) and how many checks each holds. The
// lesson index shows the title of the step a learner reached (the server saves its slug) and a progress bar
// (checks passed of the lesson's checks); the same slugs are the blocks' data-step, so they always agree.
import GithubSlugger from 'github-slugger';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { placeLessonBlocks, textOf, type MdNode } from './lesson-source.ts';

export interface OutlineStep {
  slug: string;
  title: string;
  checks: number;
}

export interface LessonOutline {
  steps: OutlineStep[];
  checks: number;
}

/** `body` is the Markdown after the front matter (a content entry's `body`). */
export function lessonOutline(body: string, where: string): LessonOutline {
  const { steps, placed } = placeLessonBlocks(fromMarkdown(body) as MdNode, where);
  const counts = new Map<string, number>();
  for (const { block } of placed) if (block.kind === 'check') counts.set(block.step, (counts.get(block.step) ?? 0) + 1);
  const out = steps.map((s) => ({ ...s, checks: counts.get(s.slug) ?? 0 }));
  return { steps: out, checks: placed.filter((p) => p.block.kind === 'check').length };
}

export interface LessonSection {
  slug: string;
  title: string;
  depth: number;
  /** The prose and code under the heading, up to the next heading (bounded). */
  text: string;
}

const MAX_SECTION_TEXT = 1500;

/** Every `##`/`###` heading with its slug (as the page renders it) and the text under it: the search's deep links. */
export function lessonSections(body: string): LessonSection[] {
  const tree = fromMarkdown(body) as MdNode;
  const slugger = new GithubSlugger();
  const sections: LessonSection[] = [];
  for (const node of tree.children ?? []) {
    if (node.type === 'heading') {
      const title = textOf(node);
      const slug = slugger.slug(title);
      if (node.depth === 2 || node.depth === 3) sections.push({ slug, title, depth: node.depth, text: '' });
      continue;
    }
    const last = sections[sections.length - 1];
    if (node.type === 'code' && node.lang === 'check') continue; // a check's JSON is not words a learner searches for
    if (last && last.text.length < MAX_SECTION_TEXT) last.text = `${last.text} ${textOf(node)}`.slice(0, MAX_SECTION_TEXT);
  }
  return sections;
}
