// Opens the store a DatabaseTarget names: SQLite in-process, or a PostgreSQL pool (connected and migrated).
import { join } from 'node:path';
import type { DatabaseTarget } from './database-url.js';
import { redactDatabaseUrl } from './database-url.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { PlaygroundStore } from './store.js';

/** Without a target: SQLite at <dataDir>/playground.db, or in memory when there is no data directory either. */
export async function openStore(target: DatabaseTarget | undefined, dataDir: string | undefined): Promise<PlaygroundStore> {
  if (!target) return new SqliteStore(dataDir ? join(dataDir, 'playground.db') : ':memory:');
  if (target.kind === 'sqlite') return new SqliteStore(target.file);
  try {
    return await PostgresStore.open(target.url);
  } catch (err) {
    throw new Error(`cannot open the PostgreSQL store at ${redactDatabaseUrl(target.url)}: ${(err as Error).message}`);
  }
}
