// Whether a module is the process's entry point (`node file.ts …`), for files that are both a library and a command.
// Node loads the main module by its real path (import.meta.url) while argv[1] keeps the path it was started by: compare
// real paths, or a command started through a symlink (npm link, a linked dist/) would exit 0 having done nothing.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export function isMainModule(importMetaUrl: string): boolean {
  const started = process.argv[1];
  if (!started) return false;
  let real = started;
  try {
    real = realpathSync(started);
  } catch {
    // not a file on disk (e.g. `node -e`): compare as given
  }
  return importMetaUrl === pathToFileURL(real).href;
}
