// The sandbox's image registry: an image name maps to a built-in workload; the tag selects its version
// (`playground/bookinfo-reviews:v2`). There is no pulling: an image not registered here is an image the
// sandbox cannot pull, and the pod shows ErrImagePull / ImagePullBackOff as a real cluster would.
import { createHash } from 'node:crypto';
import type { Workload, WorkloadContext, WorkloadFactory } from './workload.js';

/** Builds a container from an image; `tag` is the version asked for (already checked against `tags`). */
export type ImageFactory = (ctx: WorkloadContext, tag: string) => Workload;

export interface ImageOptions {
  /** The tags this image has; absent means one tag, `latest`. */
  tags?: string[];
}

interface RegisteredImage {
  factory: ImageFactory;
  tags: string[];
}

export interface ResolvedImage {
  /** `name:tag` as the pod asked for it, normalised (a missing tag is `latest`). */
  reference: string;
  name: string;
  tag: string;
  /** A stable digest-like id, as containerStatuses[].imageID shows it. */
  imageID: string;
  factory: ImageFactory;
}

const images = new Map<string, RegisteredImage>();

/** Register (or replace) an image. `nameWithoutTag` such as `playground/httpbin`. */
export function registerImage(nameWithoutTag: string, factory: ImageFactory, opts: ImageOptions = {}): void {
  if (!nameWithoutTag || nameWithoutTag.includes(':') || nameWithoutTag.includes('@'))
    throw new Error(`image name must have no tag or digest: "${nameWithoutTag}"`);
  const tags = opts.tags?.length ? [...opts.tags] : ['latest'];
  images.set(nameWithoutTag, { factory, tags });
}

/**
 * Register images given by full reference (`playground/loadgen:v1` → factory), as a composition root
 * supplies the images it builds outside the sandbox. Tags of one name are registered together.
 */
export function registerWorkloadImages(byReference: Record<string, WorkloadFactory>): void {
  const byName = new Map<string, Map<string, WorkloadFactory>>();
  for (const [reference, factory] of Object.entries(byReference)) {
    const { name, tag } = parseImageReference(reference);
    if (!byName.has(name)) byName.set(name, new Map());
    byName.get(name)!.set(tag, factory);
  }
  for (const [name, tags] of byName) registerImage(name, (ctx, tag) => tags.get(tag)!(ctx), { tags: [...tags.keys()] });
}

export function unregisterImage(nameWithoutTag: string): void {
  images.delete(nameWithoutTag);
}

/** Split `name[:tag][@digest]`; docker.io/library prefixes are accepted for familiar names. */
export function parseImageReference(reference: string): { name: string; tag: string } {
  let ref = reference.trim();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  let name = ref;
  let tag = 'latest';
  if (colon > slash) {
    name = ref.slice(0, colon);
    tag = ref.slice(colon + 1) || 'latest';
  }
  name = name.replace(/^docker\.io\//, '').replace(/^library\//, '');
  return { name, tag };
}

export function resolveImage(reference: string): ResolvedImage | undefined {
  const { name, tag } = parseImageReference(reference);
  const image = images.get(name);
  if (!image || !image.tags.includes(tag)) return undefined;
  const digest = createHash('sha256').update(`${name}:${tag}`).digest('hex');
  return { reference: `${name}:${tag}`, name, tag, imageID: `${name}@sha256:${digest}`, factory: image.factory };
}

/** Every `name:tag` the sandbox can run, sorted (for error messages and the UI). */
export function availableImages(): string[] {
  const out: string[] = [];
  for (const [name, { tags }] of images) for (const tag of tags) out.push(`${name}:${tag}`);
  return out.sort();
}
