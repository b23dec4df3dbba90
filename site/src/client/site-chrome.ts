// Site-wide behaviour every page ships: the theme toggle and the search box (its index loads on first focus).

import { searchEntries, type SearchEntry } from './search-match.ts';

export type { SearchEntry };

function initTheme(): void {
  const button = document.getElementById('theme-toggle') as HTMLButtonElement | null;
  if (!button) return;
  const label = () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    button.setAttribute('aria-label', `Switch to ${next} theme`);
    button.title = `Switch to ${next} theme`;
  };
  label();
  button.addEventListener('click', () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem('pg-theme', next);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    label();
    document.dispatchEvent(new CustomEvent('pg-theme', { detail: next }));
  });
}

function initSearch(): void {
  const input = document.getElementById('site-search') as HTMLInputElement | null;
  const list = document.getElementById('search-results') as HTMLUListElement | null;
  if (!input || !list) return;
  let index: Promise<SearchEntry[]> | undefined;
  const load = () => (index ??= fetch('/search-index.json').then((r) => (r.ok ? (r.json() as Promise<SearchEntry[]>) : [])).catch(() => []));
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
  };
  input.addEventListener('focus', () => void load());
  input.addEventListener('input', async () => {
    const found = searchEntries(await load(), input.value);
    list.replaceChildren(
      ...found.map((e) => {
        const li = document.createElement('li');
        const a = document.createElement('a');
        a.href = e.href;
        a.textContent = e.title;
        const kind = document.createElement('small');
        kind.textContent = ` — ${e.kind}`;
        a.append(kind);
        li.append(a);
        return li;
      }),
    );
    if (!found.length && input.value.trim()) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = 'No match';
      list.append(li);
    }
    list.hidden = !input.value.trim();
    input.setAttribute('aria-expanded', String(!list.hidden));
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') close();
    if (ev.key === 'ArrowDown') (list.querySelector('a') as HTMLAnchorElement | null)?.focus();
    if (ev.key === 'Enter') (list.querySelector('a') as HTMLAnchorElement | null)?.click();
  });
  document.addEventListener('click', (ev) => {
    if (!(ev.target instanceof Node) || (!list.contains(ev.target) && ev.target !== input)) close();
  });
}

/** Code blocks and wide tables scroll sideways on a phone; keyboard users must be able to reach them. */
function focusableScrollers(): void {
  for (const el of document.querySelectorAll<HTMLElement>('pre, .table-wrap')) if (!el.hasAttribute('tabindex')) el.tabIndex = 0;
}

export function initSiteChrome(): void {
  focusableScrollers();
  initTheme();
  initSearch();
}
