// bookinfo `reviews`: v1 shows no stars, v2 black stars, v3 red stars (v2 and v3 ask `ratings`), as in Istio.
import type { Workload, WorkloadContext } from '../runtime/workload.js';
import { BOOKINFO_PORT, servedBy, serviceUrl } from './bookinfo-identity.js';
import { appPort, httpWorkload, json, notFoundResponse } from './http-workload.js';
import { getJson, propagate } from './upstream.js';

const REVIEWS = [
  { reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!' },
  { reviewer: 'Reviewer2', text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.' },
];

/** What each version does with ratings: v1 none; v2/v3 call ratings with the timeouts Istio's images use. */
const VERSIONS: Record<string, { color?: string; ratingsTimeoutMs?: number }> = {
  v1: {},
  v2: { color: 'black', ratingsTimeoutMs: 10_000 },
  v3: { color: 'red', ratingsTimeoutMs: 2_500 },
};

export const REVIEWS_VERSIONS = Object.keys(VERSIONS);

export function reviewsApp(ctx: WorkloadContext, version: string): Workload {
  const headers = servedBy(ctx, version);
  const behaviour = VERSIONS[version] ?? VERSIONS.v1;
  const ratingsUrl = serviceUrl(ctx, 'ratings');
  return httpWorkload(ctx, appPort(ctx, BOOKINFO_PORT), async (req) => {
    if (req.path === '/health') return json(200, { status: 'Reviews is healthy' }, headers);
    const m = req.path.match(/^\/reviews\/(-?\d+)$/);
    if (!m) return notFoundResponse(req.path);
    const id = m[1];
    let ratings: Record<string, number> | undefined;
    let ratingsError: string | undefined;
    if (behaviour.color) {
      try {
        const res = await getJson(ctx, `${ratingsUrl}/ratings/${id}`, propagate(req.headers), behaviour.ratingsTimeoutMs!);
        const body = res.body as { ratings?: Record<string, number> };
        if (res.status === 200 && body?.ratings) ratings = body.ratings;
        else ratingsError = 'Ratings service is currently unavailable';
      } catch {
        ratingsError = 'Ratings service is currently unavailable';
      }
    }
    const reviews = REVIEWS.map((r) => {
      if (!behaviour.color) return { ...r };
      if (ratingsError) return { ...r, rating: { error: ratingsError } };
      return { ...r, rating: { stars: ratings?.[r.reviewer] ?? -1, color: behaviour.color } };
    });
    return json(200, { id, podname: ctx.podName, clustername: 'null', version, reviews }, headers);
  });
}
