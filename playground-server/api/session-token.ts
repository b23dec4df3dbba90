// Where a request's session token comes from: `Authorization: Bearer <token>` or the `pg_session` cookie.
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'pg_session';
/** The cookie outlives idle expiry on purpose: the server decides when a session has ended. */
const COOKIE_MAX_AGE_S = 7 * 24 * 3600;

export function requestSessionToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  const bearer = typeof auth === 'string' ? auth.match(/^Bearer\s+(\S+)\s*$/i) : null;
  if (bearer) return bearer[1];
  const cookie = req.headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${COOKIE_MAX_AGE_S}${secure ? '; Secure' : ''}`;
}

/** The request's own origin (scheme://host), for same-origin checks. */
export function ownOrigin(req: IncomingMessage, secure: boolean): string | undefined {
  const host = req.headers.host;
  return host ? `${secure ? 'https' : 'http'}://${host}` : undefined;
}

/** Browsers send Origin on cross-site requests; non-browser clients may send none (allowed). */
export function originAllowed(req: IncomingMessage, secure: boolean, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === ownOrigin(req, secure) || allowed.includes(origin);
}
