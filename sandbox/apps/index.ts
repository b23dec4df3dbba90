// The sample images the sandbox can run: bookinfo's four services, httpbin, sleep and curl, and the upstream
// tutorials' images (upstream-images.ts).
import { registerImage } from '../runtime/images.js';
import { curlApp } from './curl.js';
import { detailsApp } from './details.js';
import { httpbinApp } from './httpbin.js';
import { productpageApp } from './productpage.js';
import { ratingsApp } from './ratings.js';
import { REVIEWS_VERSIONS, reviewsApp } from './reviews.js';
import { sleepApp } from './sleep.js';
import { registerUpstreamImages } from './upstream-images.js';

export function registerSampleImages(): void {
  registerImage('playground/bookinfo-productpage', productpageApp, { tags: ['v1'] });
  registerImage('playground/bookinfo-details', detailsApp, { tags: ['v1'] });
  registerImage('playground/bookinfo-reviews', reviewsApp, { tags: REVIEWS_VERSIONS });
  registerImage('playground/bookinfo-ratings', ratingsApp, { tags: ['v1'] });
  registerImage('playground/httpbin', httpbinApp, { tags: ['v1', 'latest'] });
  registerImage('playground/sleep', sleepApp, { tags: ['v1', 'latest'] });
  registerImage('playground/curl', curlApp, { tags: ['v1', 'latest'] });
  registerUpstreamImages();
}
