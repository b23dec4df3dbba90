// Which store a server uses, from one URL (`--database` / PLAYGROUND_DATABASE_URL): postgres:// or postgresql://
// for PostgreSQL (several replicas share it), `sqlite:PATH`, `sqlite::memory:` or a bare path for SQLite (the
// embedded default, <data-dir>/playground.db when no URL is given). Parsed before anything starts, so a bad
// URL stops the command with a message naming the flag; the password never appears in a message.

export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** The environment variable that carries the URL (the deploy manifests set it from a Secret). */
export const DATABASE_URL_ENV = 'PLAYGROUND_DATABASE_URL';

export class DatabaseUrlError extends Error {}

const EXAMPLES = 'e.g. postgres://playground@db:5432/playground, sqlite:/var/lib/playground/playground.db or a file path';

/** A URL with its password replaced, for messages and logs. */
export function redactDatabaseUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

export function parseDatabaseUrl(text: string, flag = '--database'): DatabaseTarget {
  const value = text.trim();
  if (!value) throw new DatabaseUrlError(`${flag} is empty: give a database URL, ${EXAMPLES}`);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new DatabaseUrlError(`${flag} ${redactDatabaseUrl(value)} is not a valid URL; ${EXAMPLES}`);
    }
    // A host is required unless a Unix socket directory is named with ?host=/path (libpq's convention).
    if (!url.hostname && !url.searchParams.get('host')) throw new DatabaseUrlError(`${flag} ${redactDatabaseUrl(value)} names no host; ${EXAMPLES}`);
    if (!/^\/[^/]+$/.test(url.pathname)) throw new DatabaseUrlError(`${flag} ${redactDatabaseUrl(value)} names no database (the path, e.g. /playground); ${EXAMPLES}`);
    return { kind: 'postgres', url: value };
  }
  if (scheme === 'sqlite') {
    const file = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new DatabaseUrlError(`${flag} ${value} names no file: use sqlite:PATH or sqlite::memory:`);
    return { kind: 'sqlite', file };
  }
  // A Windows-style drive letter is not a scheme here; anything else with "scheme:" is a store we do not have.
  if (scheme && scheme.length > 1) throw new DatabaseUrlError(`${flag} ${redactDatabaseUrl(value)}: unsupported database "${scheme}:"; the playground stores in PostgreSQL or SQLite, ${EXAMPLES}`);
  return { kind: 'sqlite', file: value };
}
