// bookinfo `ratings`: stars per reviewer (Istio's ratings service: GET and POST /ratings/<id>).
import type { Workload, WorkloadContext } from '../runtime/workload.js';
import { BOOKINFO_PORT, servedBy } from './bookinfo-identity.js';
import { appPort, httpWorkload, json, notFoundResponse } from './http-workload.js';

const DEFAULT_RATINGS = { Reviewer1: 5, Reviewer2: 4 };

export function ratingsApp(ctx: WorkloadContext, version: string): Workload {
  const headers = servedBy(ctx, version);
  const stored = new Map<number, Record<string, number>>();
  // Istio's ratings can be told to fail (SERVICE_VERSION=v-unavailable); kept for fault lessons.
  const unavailable = ctx.env.SERVICE_VERSION === 'v-unavailable';
  return httpWorkload(ctx, appPort(ctx, BOOKINFO_PORT), (req) => {
    if (req.path === '/health') return json(200, { status: 'Ratings is healthy' }, headers);
    const m = req.path.match(/^\/ratings\/(-?\d+)$/);
    if (!m) return req.path.startsWith('/ratings') ? json(400, { error: 'please provide numeric product ID' }, headers) : notFoundResponse(req.path);
    if (unavailable) return json(503, { error: 'Service unavailable' }, headers);
    const id = Number(m[1]);
    if (req.method === 'POST') {
      let body: unknown;
      try {
        body = JSON.parse(req.body);
      } catch {
        return json(400, { error: 'please provide valid ratings JSON' }, headers);
      }
      const valid = body && typeof body === 'object' && Object.values(body).every((v) => Number.isInteger(v) && v >= 1 && v <= 5);
      if (!valid) return json(400, { error: 'please provide valid ratings JSON: {"Reviewer1": 1..5, ...}' }, headers);
      stored.set(id, body as Record<string, number>);
      return json(200, { id, ratings: body }, headers);
    }
    return json(200, { id, ratings: stored.get(id) ?? DEFAULT_RATINGS }, headers);
  });
}
