// What an upstream sample registers: the image names it is known by (every registry spelling the upstream
// manifests and tutorials use), the tags they name, and the workload the sandbox runs for it.
import type { ImageFactory } from '../runtime/images.js';

export interface UpstreamImage {
  /** Names without tag, as parseImageReference normalises them (`docker.io/` and `library/` are dropped). */
  names: string[];
  tags: string[];
  factory: ImageFactory;
}

/** `repository` under each registry prefix: `spellings(['ghcr.io/', ''], 'buoyantio/booksapp')`. */
export function spellings(registries: string[], repository: string): string[] {
  return registries.map((r) => `${r}${repository}`);
}
