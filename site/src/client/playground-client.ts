// The browser's one connection to the playground server: a session (cookie set by the REST createSession /
// resumeSession, token kept to resume after a server restart) and one WebSocket (/ws) carrying
// `{id, op, params}` → `{id, event}*` then `{id, result}` | `{id, error}`. When the socket drops the client
// says so (state "reconnecting", a banner), fails the calls in flight, and reconnects with bounded backoff.
import type { OperationId, OpEvent, OpParams, OpResult, Schemas } from '../../../openapi/types.ts';

export type ConnectionState = 'idle' | 'starting' | 'ready' | 'reconnecting';

/** An operation's failure: the server's `Error`, or one the client makes itself (the catalogue's `x-client` reasons). */
export class PlaygroundError extends Error {
  constructor(readonly code: number, readonly reason: Schemas['ErrorReason'], message: string, readonly details?: Record<string, unknown>) {
    super(message);
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  onEvent?(e: unknown): void;
}

const TOKEN_KEY = 'pg-session-token';
const BACKOFF_MS = [500, 1000, 2000, 3000, 5000];
const DEFAULT_APPS: Schemas['SampleApp'][] = ['bookinfo', 'httpbin'];

async function errorOf(res: Response): Promise<PlaygroundError> {
  const body = (await res.json().catch(() => null)) as Partial<Schemas['Error']> | null;
  return new PlaygroundError(res.status, body?.reason ?? 'HttpError', body?.message ?? `HTTP ${res.status}`, body?.details);
}

export class PlaygroundClient {
  state: ConnectionState = 'idle';
  namespace = '';
  detail = '';
  private ws?: WebSocket;
  private pending = new Map<string, Pending>();
  private nextId = 1;
  private opening?: Promise<void>;
  private listeners = new Set<(c: PlaygroundClient) => void>();

  onChange(fn: (c: PlaygroundClient) => void): () => void {
    this.listeners.add(fn);
    fn(this);
    return () => this.listeners.delete(fn);
  }

  private set(state: ConnectionState, detail = ''): void {
    this.state = state;
    this.detail = detail;
    for (const fn of this.listeners) fn(this);
  }

  /** Connect (once); later calls wait for the same connection. */
  start(): Promise<void> {
    return (this.opening ??= this.connectWithRetry());
  }

  private async connectWithRetry(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (this.state === 'idle') this.set('starting', 'connecting…');
        await this.ensureSession();
        await this.openSocket();
        this.set('ready', this.namespace);
        return;
      } catch (err) {
        this.set('reconnecting', (err as Error).message);
        await new Promise((r) => setTimeout(r, BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]));
      }
    }
  }

  private async ensureSession(): Promise<void> {
    const current = await fetch('/api/session', { headers: { accept: 'application/json' } });
    if (current.ok) {
      this.namespace = ((await current.json()) as Schemas['Session']).namespace;
      return;
    }
    if (current.status !== 401) throw await errorOf(current);
    let token: string | null = null;
    try {
      token = localStorage.getItem(TOKEN_KEY);
    } catch {
      token = null;
    }
    if (token) {
      this.set(this.state === 'reconnecting' ? 'reconnecting' : 'starting', 'resuming your session…');
      const resumed = await fetch('/api/sessions/resume', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
      if (resumed.ok) {
        this.namespace = ((await resumed.json()) as Schemas['SessionCreated']).session.namespace;
        return;
      }
      if (resumed.status !== 401 && resumed.status !== 400) throw await errorOf(resumed);
    }
    this.set(this.state === 'reconnecting' ? 'reconnecting' : 'starting', 'creating your namespace and deploying the sample apps…');
    const created = await fetch('/api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apps: DEFAULT_APPS }) });
    if (!created.ok) throw await errorOf(created);
    const body = (await created.json()) as Schemas['SessionCreated'];
    this.namespace = body.session.namespace;
    try {
      localStorage.setItem(TOKEN_KEY, body.token);
    } catch {
      // Without storage the session still works; only resuming after a restart is lost.
    }
  }

  private openSocket(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error('the socket did not open within 10 s'));
      }, 10_000);
      ws.onopen = () => {
        clearTimeout(timer);
        this.ws = ws;
        resolve();
      };
      ws.onerror = () => {
        clearTimeout(timer);
        reject(new Error('the playground server is not answering'));
      };
      ws.onmessage = (ev) => this.onMessage(String(ev.data));
      ws.onclose = () => {
        clearTimeout(timer);
        if (this.ws !== ws) return;
        this.ws = undefined;
        for (const p of this.pending.values()) p.reject(new PlaygroundError(0, 'Disconnected', 'the connection to the playground dropped; reconnecting — run it again in a moment'));
        this.pending.clear();
        this.set('reconnecting', 'connection lost');
        this.opening = this.connectWithRetry();
      };
    });
  }

  private onMessage(text: string): void {
    let msg: { id?: string; event?: unknown; result?: unknown; error?: Schemas['Error'] };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    const p = msg.id === undefined ? undefined : this.pending.get(String(msg.id));
    if (!p) return;
    if ('event' in msg) return p.onEvent?.(msg.event);
    this.pending.delete(String(msg.id));
    if (msg.error) p.reject(new PlaygroundError(msg.error.code, msg.error.reason, msg.error.message, msg.error.details));
    else p.resolve(msg.result);
  }

  /** Run an operation over the socket; `signal` cancels it on the server (the terminal's Ctrl-C). */
  async call<K extends OperationId>(op: K, params: OpParams<K>, opts: { onEvent?: (e: OpEvent<K>) => void; signal?: AbortSignal } = {}): Promise<OpResult<K>> {
    await this.start();
    while (!this.ws || this.ws.readyState !== WebSocket.OPEN) await this.opening;
    const ws = this.ws;
    const id = `c${this.nextId++}`;
    return new Promise<OpResult<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent: opts.onEvent as ((e: unknown) => void) | undefined });
      opts.signal?.addEventListener('abort', () => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ id, cancel: true })), { once: true });
      ws.send(JSON.stringify({ id, op, params }));
    });
  }
}

export const playground = new PlaygroundClient();

/** The header's chip and, while the connection is down, a banner saying so (never a blank page). */
export function showConnectionState(client: PlaygroundClient = playground): void {
  const chip = document.getElementById('session-chip');
  let banner: HTMLElement | null = null;
  client.onChange((c) => {
    if (chip) {
      chip.dataset.state = c.state;
      chip.textContent =
        c.state === 'ready' ? `Sandbox: ${c.namespace}` : c.state === 'starting' ? 'Sandbox: starting…' : c.state === 'reconnecting' ? 'Sandbox: reconnecting…' : 'Sandbox: not connected';
      chip.title = c.detail;
    }
    if (c.state === 'reconnecting') {
      if (!banner) {
        banner = document.createElement('div');
        banner.id = 'connection-banner';
        banner.className = 'banner';
        banner.setAttribute('role', 'alert');
        document.getElementById('main')?.prepend(banner);
      }
      banner.textContent = `Reconnecting to the playground… (${c.detail || 'connection lost'}). Your session and progress are kept on the server.`;
    } else if (banner) {
      banner.remove();
      banner = null;
    }
  });
}
