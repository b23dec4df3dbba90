// Mounts the kind try-it into a reference page's example section (called on the learner's click): the section's
// data attributes (the reference pages' DOM contract) say which kind it is, its <pre> holds the example's YAML.
import { createRoot } from 'react-dom/client';
import { KindTryIt } from './KindTryIt.tsx';
import type { KindExample } from './kind-try-it-model.ts';

export function exampleOf(section: HTMLElement): KindExample {
  const d = section.dataset;
  return {
    id: section.id.replace(/^example-/, '') || 'example',
    apiVersion: d.apiVersion ?? '',
    kind: d.kind ?? '',
    plural: d.plural ?? (d.kind ?? '').toLowerCase(),
    namespaced: d.namespaced !== 'false',
    title: section.querySelector('h3')?.textContent?.trim() || `${d.kind ?? ''} example`,
    yaml: section.querySelector('pre code, pre')?.textContent ?? '',
  };
}

export function mountKindTryIt(section: HTMLElement, host: HTMLElement): void {
  const pre = section.querySelector('pre');
  // The editor takes the static listing's place; the listing stays in the page for readers without JS.
  if (pre) pre.hidden = true;
  createRoot(host).render(<KindTryIt example={exampleOf(section)} />);
}
