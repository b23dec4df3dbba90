// The terminal's offline mirror of upstream manifests: tutorials say `kubectl apply -f https://raw.githubusercontent.com/
// istio/istio/release-1.xx/samples/httpbin/httpbin.yaml` or `-f samples/bookinfo/networking/virtual-service-all-v1.yaml`,
// and there is no internet (nor an Istio checkout) here. An allow-list maps those URLs and paths to the vendored,
// unchanged upstream files (test/fixtures/upstream/, one copy shared with the tests that apply them); kubectl reads
// the copy, bound read-only into its isolation. Anything else is refused before kubectl runs, so `-f https://evil/…`
// never dials out and `-f /etc/passwd` is never read.
import { fileURLToPath } from 'node:url';
import { ApiError } from '../api/errors.js';

/** The vendored upstream files (with their LICENSE and a README naming repository, commit and path). */
export const UPSTREAM_FILES_DIR = fileURLToPath(new URL('../../test/fixtures/upstream/', import.meta.url));

export interface MirroredFile {
  /** The vendored copy on the server. */
  hostPath: string;
  /** Where kubectl sees it inside the isolation: the upstream path, so kubectl's messages name the upstream file. */
  sandboxPath: string;
}

interface MirrorEntry {
  /** Path under UPSTREAM_FILES_DIR. */
  file: string;
  sandboxPath: string;
  /** Set when every object of the file names its own namespace (a session has only its own). */
  foreignNamespace?: string;
}

/** Istio's samples/… paths (as the tasks write them, relative to an Istio release) → vendored copies. */
const ISTIO_SAMPLES: Record<string, string> = {
  'bookinfo/platform/kube/bookinfo.yaml': 'istio/bookinfo.yaml',
  'bookinfo/platform/kube/bookinfo-versions.yaml': 'istio/bookinfo-versions.yaml',
  'curl/curl.yaml': 'istio/curl.yaml',
  'sleep/sleep.yaml': 'istio/sleep.yaml',
  'httpbin/httpbin.yaml': 'istio/httpbin.yaml',
  'httpbin/sample-client/fortio-deploy.yaml': 'istio/fortio-deploy.yaml',
  'helloworld/helloworld.yaml': 'istio/helloworld.yaml',
  ...Object.fromEntries(
    [
      'destination-rule-all', 'destination-rule-all-mtls', 'destination-rule-reviews', 'fault-injection-details-v1',
      'virtual-service-all-v1', 'virtual-service-details-v2', 'virtual-service-ratings-test-abort', 'virtual-service-ratings-test-delay',
      'virtual-service-reviews-50-v3', 'virtual-service-reviews-80-20', 'virtual-service-reviews-90-10', 'virtual-service-reviews-jason-v2-v3',
      'virtual-service-reviews-test-v2', 'virtual-service-reviews-v2-v3', 'virtual-service-reviews-v3',
    ].map((n) => [`bookinfo/networking/${n}.yaml`, `istio/networking/${n}.yaml`]),
  ),
  ...Object.fromEntries(
    ['route-all-v1', 'route-reviews-50-v3', 'route-reviews-90-10', 'route-reviews-v1', 'route-reviews-v3'].map((n) => [`bookinfo/gateway-api/${n}.yaml`, `istio/bookinfo-gateway-api/${n}.yaml`]),
  ),
  ...Object.fromEntries(['tcp-echo-services', 'tcp-echo-all-v1', 'tcp-echo-20-v2'].map((n) => [`tcp-echo/${n}.yaml`, `istio/tcp-echo/${n}.yaml`])),
  ...Object.fromEntries(['tcp-echo-all-v1', 'tcp-echo-20-v2'].map((n) => [`tcp-echo/gateway-api/${n}.yaml`, `istio/tcp-echo/gateway-api/${n}.yaml`])),
};

/** Whole URLs (no query, no fragment) served by other projects. */
const URLS: Record<string, MirrorEntry> = {
  'https://run.linkerd.io/emojivoto.yml': { file: 'linkerd-website/emojivoto.yml', sandboxPath: '/upstream/run.linkerd.io/emojivoto.yml', foreignNamespace: 'emojivoto' },
  'https://run.linkerd.io/booksapp.yml': { file: 'linkerd-website/booksapp.yml', sandboxPath: '/upstream/run.linkerd.io/booksapp.yml' },
  'https://raw.githubusercontent.com/BuoyantIO/booksapp/main/booksapp.yml': { file: 'booksapp/booksapp.yml', sandboxPath: '/upstream/BuoyantIO/booksapp/booksapp.yml' },
};

/** Istio's branches and tags: every release serves the same sample here (the copy is from one commit of master). */
const ISTIO_REF = String.raw`(?:master|release-\d{1,2}\.\d{1,3}|\d{1,2}\.\d{1,3}(?:\.\d{1,3})?(?:-[a-z0-9.]{1,20})?)`;
const ISTIO_SAMPLE_FORMS = [
  new RegExp(String.raw`^(?:\./)?samples/([a-z0-9./-]{1,200})$`),
  new RegExp(String.raw`^https://raw\.githubusercontent\.com/istio/istio/(?:refs/heads/|refs/tags/)?${ISTIO_REF}/samples/([a-z0-9./-]{1,200})$`),
  new RegExp(String.raw`^https://github\.com/istio/istio/raw/${ISTIO_REF}/samples/([a-z0-9./-]{1,200})$`),
];

function entryFor(value: string): MirrorEntry | undefined {
  if (Object.hasOwn(URLS, value)) return URLS[value];
  for (const form of ISTIO_SAMPLE_FORMS) {
    const sample = form.exec(value)?.[1];
    if (sample !== undefined && Object.hasOwn(ISTIO_SAMPLES, sample)) return { file: ISTIO_SAMPLES[sample], sandboxPath: `/upstream/istio/samples/${sample}` };
  }
  return undefined;
}

/** What -f accepts besides `-`, as a learner types it (Tab completion): Istio's samples/… paths and the whole URLs. */
export function mirroredNames(): string[] {
  return [...Object.keys(ISTIO_SAMPLES).map((p) => `samples/${p}`), ...Object.keys(URLS).filter((u) => !URLS[u].foreignNamespace)];
}

/** What the mirror serves, for refusals and help: short, grouped by folder. */
export function mirrorSummary(): string {
  const byDir = new Map<string, string[]>();
  for (const sample of Object.keys(ISTIO_SAMPLES)) {
    const slash = sample.lastIndexOf('/');
    const dir = `samples/${sample.slice(0, slash)}`;
    byDir.set(dir, [...(byDir.get(dir) ?? []), sample.slice(slash + 1)]);
  }
  const istio = [...byDir].map(([dir, names]) => (names.length === 1 ? `${dir}/${names[0]}` : `${dir}/{${names.map((n) => n.replace(/\.yaml$/, '')).join(',')}}.yaml`));
  return `Istio's ${istio.join(', ')} (as paths, or https://raw.githubusercontent.com/istio/istio/<release>/samples/… URLs); ${Object.keys(URLS).join(', ')}`;
}

const refuse = (message: string) => new ApiError(403, 'CommandRefused', message);

/**
 * The mirrored copy of an upstream URL or Istio `samples/…` path, or a refusal naming the allow-list; `context` starts
 * the message (`kubectl apply: flag -f`).
 */
export function mirroredFile(value: string, context: string): MirroredFile {
  const entry = entryFor(value);
  if (!entry)
    throw refuse(
      `${context} ${value.slice(0, 120)}: this terminal reads no file of the server and has no internet. -f takes "-" (a pasted manifest: kubectl apply -f - <<EOF … EOF) or an upstream file it mirrors: ${mirrorSummary()}`,
    );
  if (entry.foreignNamespace)
    throw refuse(
      `${context} ${value}: this upstream manifest creates namespace "${entry.foreignNamespace}" and puts every object in it; a session has one namespace of its own and can create no other, so kubectl would be refused for each object. Apply the same objects in your namespace instead (the lesson's manifest does)`,
    );
  return { hostPath: UPSTREAM_FILES_DIR + entry.file, sandboxPath: entry.sandboxPath };
}
