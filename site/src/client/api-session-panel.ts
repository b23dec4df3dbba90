// The API pages' session panel and header chip, from describeSession over plain REST (the cookie is HttpOnly, so
// asking the server is the only way to know): the connected namespace, its expiry, and the exports the code
// samples read — the token from this browser's storage (kept by the playground client to resume a session),
// shown shortened and copied whole. Try it's connection updates both once it is ready (the `pg-session` event).
import { markSessionChip } from './session-chip.ts';

const TOKEN_KEY = 'pg-session-token';

interface SessionShape { namespace: string; expiresAt: string; apps: string[] }

function storedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function render(panel: HTMLElement, session: SessionShape | null): void {
  const $ = (name: string) => panel.querySelector<HTMLElement>(`[data-session-${name}]`)!;
  const token = storedToken();
  $('state').textContent = session
    ? `Connected: namespace ${session.namespace}.`
    : token
      ? 'Your session is not active in this browser; try it resumes it with the token kept here.'
      : 'No session yet: try it starts one (a namespace with the sample apps), or open a lesson or the playground.';
  $('details').hidden = !session;
  if (session) {
    $('namespace').textContent = session.namespace;
    const minutes = Math.max(0, Math.round((Date.parse(session.expiresAt) - Date.now()) / 60_000));
    $('expires').textContent = `in ${minutes} min (${new Date(session.expiresAt).toLocaleTimeString()})`;
    $('apps').textContent = session.apps.join(', ') || 'none';
  }
  const lines = (t: string) => `export PLAYGROUND=${location.origin}\nexport PG_TOKEN=${t}`;
  $('exports').textContent = lines(token ? `${token.slice(0, 8)}…  # copied whole by the button` : 'pgs_…  # from createSession');
  const copy = $('copy') as HTMLButtonElement;
  copy.hidden = !token || !navigator.clipboard;
  copy.onclick = () => void navigator.clipboard.writeText(`${lines(token!)}\n`).then(() => (copy.textContent = 'Copied'));
}

async function describeSession(): Promise<SessionShape | null> {
  try {
    const res = await fetch('/api/session', { headers: { accept: 'application/json' } });
    return res.ok ? ((await res.json()) as SessionShape) : null;
  } catch {
    return null;
  }
}

export async function initApiSessionPanel(): Promise<void> {
  const panel = document.querySelector<HTMLElement>('[data-session-panel]');
  const refresh = async () => {
    const session = await describeSession();
    markSessionChip(session?.namespace ?? null);
    if (panel) render(panel, session);
  };
  document.addEventListener('pg-session', () => void refresh());
  await refresh();
}
