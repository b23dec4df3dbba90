// Istio's Bookinfo images (`registry.istio.io/release/examples-bookinfo-*`, formerly `docker.io/istio/…`) run the
// playground's own bookinfo apps — one implementation of the routes and payloads — with productpage answering
// Istio's HTML page. Tags are every release the upstream bookinfo.yaml has named since 1.16. Only ratings' image installs curl (its
// Dockerfile), which Istio's docs use: `kubectl exec deploy/ratings-v1 -- curl -sS productpage:9080/productpage`.
import { detailsApp } from '../details.js';
import { productpageApp } from '../productpage.js';
import { ratingsApp } from '../ratings.js';
import { reviewsApp } from '../reviews.js';
import { SHELL_AND_CURL, SHELL_ONLY, spellings, type UpstreamImage } from '../upstream-image.js';

export const BOOKINFO_TAGS = ['1.16.2', '1.16.4', '1.17.0', '1.18.0', '1.19.1', '1.20.0', '1.20.1', '1.20.2', '1.20.3', 'latest'];
/** Istio's releases tag the samples with the Istio version (1.x.y). */
const ISTIO_RELEASE = /^1\.\d+\.\d+$/;
const REGISTRIES = ['registry.istio.io/release/', 'istio/'];

const names = (service: string) => spellings(REGISTRIES, `examples-bookinfo-${service}`);

export const ISTIO_BOOKINFO_IMAGES: UpstreamImage[] = [
  { names: names('productpage-v1'), tags: BOOKINFO_TAGS, tagPattern: ISTIO_RELEASE, factory: (ctx) => productpageApp(ctx, 'v1', { upstream: true }), tools: SHELL_ONLY },
  { names: names('details-v1'), tags: BOOKINFO_TAGS, tagPattern: ISTIO_RELEASE, factory: (ctx) => detailsApp(ctx, 'v1'), tools: SHELL_ONLY },
  { names: names('ratings-v1'), tags: BOOKINFO_TAGS, tagPattern: ISTIO_RELEASE, factory: (ctx) => ratingsApp(ctx, 'v1'), tools: SHELL_AND_CURL },
  { names: names('reviews-v1'), tags: BOOKINFO_TAGS, tagPattern: ISTIO_RELEASE, factory: (ctx) => reviewsApp(ctx, 'v1'), tools: SHELL_ONLY },
  { names: names('reviews-v2'), tags: BOOKINFO_TAGS, tagPattern: ISTIO_RELEASE, factory: (ctx) => reviewsApp(ctx, 'v2'), tools: SHELL_ONLY },
  { names: names('reviews-v3'), tags: BOOKINFO_TAGS, tagPattern: ISTIO_RELEASE, factory: (ctx) => reviewsApp(ctx, 'v3'), tools: SHELL_ONLY },
];
