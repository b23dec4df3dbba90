// The sandbox's image registry: an image name maps to a built-in workload and/or a set of programs; the tag
// selects its version (`playground/bookinfo-reviews:v2`). There is no pulling: an image not registered here is
// an image the sandbox cannot pull, and the pod shows ErrImagePull / ImagePullBackOff as a real cluster would.
//
// Registering an image (what a sample-image module does):
//   registerImage('org/app', appFactory, { tags: ['v1'], programs: BASE_WITH_CURL });   // a server + sh, curl…
//   registerImage('busybox', null, { tags: [...], programs: BASE_PROGRAMS, cmd: ['sh'] }); // programs only
// - `factory` builds the image's server workload (runs when the container gives no `command`, or a command
//   naming the image's entrypoint); `null` for an image that is only programs.
// - `programs` is the image's $PATH (process/images-bin.ts has BASE_PROGRAMS and BASE_WITH_CURL): what
//   `kubectl exec`, a container `command` and an exec probe can run.
// - `entrypoint` / `cmd` are the image's ENTRYPOINT / CMD: Kubernetes' `command` replaces the first, `args`
//   the second; with no factory, entrypoint + cmd (or args) is the container's main process.
// - `files` are files the image carries (path → content), seeded into each container's filesystem.
import { createHash } from 'node:crypto';
import type { ProgramSet } from './process/program.js';
import { BASE_WITH_CURL } from './process/images-bin.js';
import type { Workload, WorkloadContext, WorkloadFactory } from './workload.js';

/** Builds a container from an image; `tag` is the version asked for (already checked against `tags`). */
export type ImageFactory = (ctx: WorkloadContext, tag: string) => Workload;

export interface ImageOptions {
  /** The tags this image has; absent means one tag, `latest`. */
  tags?: string[];
  /**
   * Upstream's release tags, for images tutorials pin to many versions (`curlimages/curl:8.16.0`): any tag of
   * this form resolves too, as every release exists in the upstream registry.
   */
  tagPattern?: RegExp;
  /** The image's $PATH: programs a container of it can run (none when absent). */
  programs?: ProgramSet;
  /** Files the image carries (absolute path → content). */
  files?: Readonly<Record<string, string | Buffer>>;
  /** The image's ENTRYPOINT (replaced by a container's `command`). */
  entrypoint?: string[];
  /** The image's CMD (replaced by a container's `args`). */
  cmd?: string[];
}

interface RegisteredImage {
  factory: ImageFactory | null;
  tags: string[];
  tagPattern?: RegExp;
  programs: ProgramSet;
  files: Readonly<Record<string, string | Buffer>>;
  entrypoint: string[];
  cmd: string[];
}

export interface ResolvedImage {
  /** `name:tag` as the pod asked for it, normalised (a missing tag is `latest`). */
  reference: string;
  name: string;
  tag: string;
  /** A stable digest-like id, as containerStatuses[].imageID shows it. */
  imageID: string;
  /** The image's server workload; null for an image that is only programs. */
  factory: ImageFactory | null;
  programs: ProgramSet;
  files: Readonly<Record<string, string | Buffer>>;
  entrypoint: string[];
  cmd: string[];
}

const images = new Map<string, RegisteredImage>();

/** Register (or replace) an image. `nameWithoutTag` such as `playground/httpbin`. */
export function registerImage(nameWithoutTag: string, factory: ImageFactory | null, opts: ImageOptions = {}): void {
  if (!nameWithoutTag || nameWithoutTag.includes(':') || nameWithoutTag.includes('@'))
    throw new Error(`image name must have no tag or digest: "${nameWithoutTag}"`);
  const tags = opts.tags?.length ? [...opts.tags] : ['latest'];
  images.set(nameWithoutTag, {
    factory,
    tags,
    tagPattern: opts.tagPattern,
    programs: opts.programs ?? {},
    files: opts.files ?? {},
    entrypoint: [...(opts.entrypoint ?? [])],
    cmd: [...(opts.cmd ?? [])],
  });
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
  for (const [name, tags] of byName) registerImage(name, (ctx, tag) => tags.get(tag)!(ctx), { tags: [...tags.keys()], programs: BASE_WITH_CURL });
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
  if (!image || !(image.tags.includes(tag) || image.tagPattern?.test(tag))) return undefined;
  const digest = createHash('sha256').update(`${name}:${tag}`).digest('hex');
  return {
    reference: `${name}:${tag}`,
    name,
    tag,
    imageID: `${name}@sha256:${digest}`,
    factory: image.factory,
    programs: image.programs,
    files: image.files,
    entrypoint: image.entrypoint,
    cmd: image.cmd,
  };
}

/**
 * Why a reference cannot be pulled, for the kubelet's Failed event: a known image's tags, or the image names the
 * sandbox has (names only: with every tag the list would run to thousands of characters).
 */
export function pullFailureReason(reference: string): string {
  const { name, tag } = parseImageReference(reference);
  const image = images.get(name);
  if (image) {
    const pattern = image.tagPattern ? ` or a release tag matching ${image.tagPattern.source}` : '';
    return `${name}:${tag}: not found in the sandbox; ${name} has tags ${image.tags.join(', ')}${pattern}`;
  }
  return `image not found in the sandbox; available images: ${[...images.keys()].sort().join(', ')}`;
}

/** Every `name:tag` the sandbox can run, sorted (for error messages and the UI). */
export function availableImages(): string[] {
  const out: string[] = [];
  for (const [name, { tags }] of images) for (const tag of tags) out.push(`${name}:${tag}`);
  return out.sort();
}
