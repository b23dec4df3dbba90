// What every HTTP request and WebSocket upgrade passes before a route sees it: the Host allow-list (a web
// page on a domain that resolves to 127.0.0.1 must not reach a local `playground up` — DNS rebinding), who
// the client is and whether it came over TLS (X-Forwarded-* only behind a trusted proxy), and the security
// headers every answer carries (a Content-Security-Policy built from the site's own inline scripts).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { ApiError } from './errors.js';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The Host values the server answers to. Named hosts (`--allowed-host`) are taken as given (`name` matches
 * any port, `name:port` that port only); by default, exactly, the loopback names without a port and with the
 * server's port, plus the bound address itself. A wildcard bind (0.0.0.0, ::) has no default: the operator must name the hosts.
 */
export class HostAllowList {
  private exact = new Set<string>();
  private anyPort = new Set<string>();

  constructor(named: readonly string[] | undefined, bindHost: string, port: number) {
    if (!named?.length) {
      // The defaults are exact: `localhost` is a Host without a port, `localhost:8080` that port.
      for (const e of HostAllowList.defaults(bindHost, port)) this.exact.add(e.toLowerCase());
      return;
    }
    for (const raw of named) {
      const e = raw.trim().toLowerCase();
      if (!e) continue;
      if (isIP(e) === 6) this.anyPort.add(`[${e}]`);
      else if (/:\d+$/.test(e)) this.exact.add(e);
      else this.anyPort.add(e);
    }
  }

  static defaults(bindHost: string, port: number): string[] {
    if (WILDCARD_HOSTS.has(bindHost))
      throw new Error(`--host ${bindHost || '(all interfaces)'} answers on every interface: name the host names clients use with --allowed-host (repeatable), e.g. --allowed-host play.example.com`);
    const bound = isIP(bindHost) === 6 ? `[${bindHost}]` : bindHost;
    const names = [...new Set([...LOOPBACK_NAMES, bound.toLowerCase()])];
    return names.flatMap((n) => [n, `${n}:${port}`]);
  }

  allows(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    const host = hostHeader.trim().toLowerCase();
    if (this.exact.has(host)) return true;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
    if (!m) return false;
    if (m[2] === undefined) return this.anyPort.has(m[1]) || this.exact.has(m[1]);
    return this.anyPort.has(m[1]);
  }

  /** The refusal a wrong Host gets (421 Misdirected Request), naming the fix. */
  static refusal(hostHeader: string | undefined): ApiError {
    const shown = (hostHeader ?? '(none)').slice(0, 100);
    return new ApiError(421, 'HostNotAllowed', `this playground does not answer to Host "${shown}"; open it by one of its own names (the operator adds names with --allowed-host)`);
  }
}

export interface ProxyTrust {
  /** Honour X-Forwarded-Proto and X-Forwarded-For (only behind a proxy that sets them: --trust-proxy). */
  trustProxy: boolean;
}

/** Whether the browser reached us over TLS: a TLS socket, or a trusted proxy saying https. */
export function requestIsSecure(req: IncomingMessage, trust: ProxyTrust): boolean {
  if ((req.socket as TLSSocket).encrypted) return true;
  if (!trust.trustProxy) return false;
  const proto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim().toLowerCase();
  return proto === 'https' || proto === 'wss';
}

/**
 * The client's address for per-client limits: the socket's peer, or — behind a trusted proxy — the last
 * X-Forwarded-For entry (the one our proxy appended; earlier entries are whatever the client claimed).
 */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trust.trustProxy) return peer;
  const xff = req.headers['x-forwarded-for'];
  const list = (Array.isArray(xff) ? xff.join(',') : (xff ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
  const last = list.at(-1);
  return last && isIP(last) ? last : peer;
}

/** Most site pages scanned for inline scripts, and most hashes put in the policy. */
const MAX_SCANNED_PAGES = 2000;
const MAX_SCRIPT_HASHES = 400;

/** SHA-256 hashes (CSP source form) of every inline <script> in the built site's pages. */
export function inlineScriptHashes(siteDir: string): string[] | undefined {
  const hashes = new Set<string>();
  let pages = 0;
  const walk = (dir: string, depth: number) => {
    if (depth > 12) return;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      if (pages >= MAX_SCANNED_PAGES) return;
      const p = join(dir, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p, depth + 1);
      else if (name.endsWith('.html')) {
        pages++;
        const html = readFileSync(p, 'utf8');
        for (const m of html.matchAll(/<script\b(?![^>]*\bsrc\s*=)[^>]*>([\s\S]*?)<\/script>/gi)) hashes.add(`'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`);
      }
    }
  };
  walk(siteDir, 0);
  return hashes.size > MAX_SCRIPT_HASHES ? undefined : [...hashes];
}

/**
 * The Content-Security-Policy for the site and the API: scripts only from the origin and the site's own
 * inline scripts (by hash), workers from the origin (Monaco's), styles from the origin plus injected
 * <style> elements (Monaco and xterm create them at runtime), fetch/WebSocket to the origin only, and the
 * pages may not be framed.
 */
export function contentSecurityPolicy(scriptHashes: string[] | undefined): string {
  const scripts = scriptHashes ? ["'self'", ...scriptHashes] : ["'self'", "'unsafe-inline'"];
  return [
    "default-src 'self'",
    `script-src ${scripts.join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function setSecurityHeaders(res: ServerResponse, csp: string): void {
  res.setHeader('content-security-policy', csp);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'same-origin');
}
