// What an upstream sample registers: the image names it is known by (every registry spelling the upstream
// manifests and tutorials use), the tags they name, and the workload the sandbox runs for it.
import type { ImageFactory } from '../runtime/images.js';

export interface UpstreamImage {
  /** Names without tag, as parseImageReference normalises them (`docker.io/` and `library/` are dropped). */
  names: string[];
  tags: string[];
  /** Upstream's release tags beyond `tags` (see ImageOptions.tagPattern). */
  tagPattern?: RegExp;
  factory: ImageFactory;
  /**
   * The general tools the upstream image's base layer has, which tutorials use with `kubectl exec` (a shell and
   * coreutils; curl): the programs for them are not this module's, the image registry adds them by this flag.
   */
  tools: ImageTools;
}

export interface ImageTools {
  /** /bin/sh and the coreutils of a Debian/Ubuntu/Alpine base (distroless images have none). */
  shell: boolean;
  curl: boolean;
}

export const DISTROLESS: ImageTools = { shell: false, curl: false };
export const SHELL_ONLY: ImageTools = { shell: true, curl: false };
export const SHELL_AND_CURL: ImageTools = { shell: true, curl: true };

/** `repository` under each registry prefix: `spellings(['ghcr.io/', ''], 'buoyantio/booksapp')`. */
export function spellings(registries: string[], repository: string): string[] {
  return registries.map((r) => `${r}${repository}`);
}
