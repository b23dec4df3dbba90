// The sample images the sandbox can run: bookinfo's four services, httpbin, sleep and curl (each with the
// base programs plus curl on its $PATH), the program-only base images busybox, alpine and curlimages/curl, and the
// upstream tutorials' images (upstream-images.ts), and nginx (nginx/: the error injector of Linkerd's fault-injection task).
import { registerImage, type ImageOptions } from '../runtime/images.js';
import { registerBaseImages } from '../runtime/process/base-images.js';
import { BASE_WITH_CURL } from '../runtime/process/images-bin.js';
import { curlApp } from './curl.js';
import { detailsApp } from './details.js';
import { httpbinApp } from './httpbin.js';
import { registerNginxImage } from './nginx/image.js';
import { productpageApp } from './productpage.js';
import { ratingsApp } from './ratings.js';
import { REVIEWS_VERSIONS, reviewsApp } from './reviews.js';
import { sleepApp } from './sleep.js';
import { registerUpstreamImages } from './upstream-images.js';

export function registerSampleImages(): void {
  const withPrograms = (tags: string[]): ImageOptions => ({ tags, programs: BASE_WITH_CURL });
  registerImage('playground/bookinfo-productpage', productpageApp, withPrograms(['v1']));
  registerImage('playground/bookinfo-details', detailsApp, withPrograms(['v1']));
  registerImage('playground/bookinfo-reviews', reviewsApp, withPrograms(REVIEWS_VERSIONS));
  registerImage('playground/bookinfo-ratings', ratingsApp, withPrograms(['v1']));
  registerImage('playground/httpbin', httpbinApp, withPrograms(['v1', 'latest']));
  registerImage('playground/sleep', sleepApp, withPrograms(['v1', 'latest']));
  registerImage('playground/curl', curlApp, withPrograms(['v1', 'latest']));
  registerBaseImages();
  registerUpstreamImages();
  registerNginxImage();
}
