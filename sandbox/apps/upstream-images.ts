// The images of the upstream tutorials, run as built-ins so their manifests apply unchanged: Istio's Bookinfo,
// helloworld, httpbin and tcp-echo samples, Linkerd's emojivoto and books app, and the Gateway API conformance echo servers
// (each app in its folder under sandbox/apps/). Istio's curl/sleep sample runs curlimages/curl, registered with the
// other program-only images, not here.
import { registerImage } from '../runtime/images.js';
import { BASE_PROGRAMS, BASE_WITH_CURL } from '../runtime/process/images-bin.js';
import type { ProgramSet } from '../runtime/process/program.js';
import { BOOKSAPP_IMAGES } from './booksapp/images.js';
import { EMOJIVOTO_IMAGES, EMOJIVOTO_WEB_PROGRAMS } from './emojivoto/images.js';
import { ECHO_ADVANCED_IMAGE_NAMES, ECHO_ADVANCED_PROGRAMS, GATEWAY_ECHO_IMAGES } from './gateway-echo/images.js';
import { FORTIO_IMAGES, FORTIO_PROGRAMS } from './fortio/images.js';
import { GO_HTTPBIN_IMAGES } from './go-httpbin/images.js';
import { HELLOWORLD_IMAGES } from './helloworld/helloworld.js';
import { ISTIO_BOOKINFO_IMAGES } from './istio-bookinfo/images.js';
import { TCP_ECHO_IMAGES } from './tcp-echo/tcp-echo.js';
import type { ImageTools, UpstreamImage } from './upstream-image.js';

export const UPSTREAM_IMAGES: readonly UpstreamImage[] = [
  ...ISTIO_BOOKINFO_IMAGES,
  ...HELLOWORLD_IMAGES,
  ...GO_HTTPBIN_IMAGES,
  ...EMOJIVOTO_IMAGES,
  ...BOOKSAPP_IMAGES,
  ...GATEWAY_ECHO_IMAGES,
  ...FORTIO_IMAGES,
  ...TCP_ECHO_IMAGES,
];

/** Programs an upstream image carries besides its main process (what `kubectl exec` finds on its $PATH), by image name. */
export const UPSTREAM_IMAGE_PROGRAMS: Record<string, ProgramSet> = Object.fromEntries([
  ...ECHO_ADVANCED_IMAGE_NAMES.map((name) => [name, ECHO_ADVANCED_PROGRAMS] as const),
  ...FORTIO_IMAGES.flatMap((i) => i.names).map((name) => [name, FORTIO_PROGRAMS] as const),
  ...EMOJIVOTO_IMAGES.find((i) => i.names[0].endsWith('/emojivoto-web'))!.names.map((name) => [name, EMOJIVOTO_WEB_PROGRAMS] as const),
]);

/** The base tools (shell, curl) of each upstream image, by name: which general ProgramSets the registry adds to it. */
export const UPSTREAM_IMAGE_TOOLS: Record<string, ImageTools> = Object.fromEntries(UPSTREAM_IMAGES.flatMap((i) => i.names.map((n) => [n, i.tools] as const)));

/** An image's $PATH: the base layer's tools (as its upstream Dockerfile has them) plus its own programs. */
function programsOf(name: string, tools: ImageTools): ProgramSet {
  const base = tools.curl ? BASE_WITH_CURL : tools.shell ? BASE_PROGRAMS : {};
  return { ...base, ...(UPSTREAM_IMAGE_PROGRAMS[name] ?? {}) };
}

export function registerUpstreamImages(): void {
  for (const image of UPSTREAM_IMAGES) for (const name of image.names) registerImage(name, image.factory, { tags: image.tags, tagPattern: image.tagPattern, programs: programsOf(name, image.tools) });
}

/** Every `name:tag` registered here (for docs and tests). */
export function upstreamImageReferences(): string[] {
  return UPSTREAM_IMAGES.flatMap((i) => i.names.flatMap((n) => i.tags.map((t) => `${n}:${t}`))).sort();
}
