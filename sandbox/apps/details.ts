// bookinfo `details`: the book's facts (Istio's details service, same routes and payloads).
import type { Workload, WorkloadContext } from '../runtime/workload.js';
import { BOOKINFO_PORT, servedBy } from './bookinfo-identity.js';
import { appPort, httpWorkload, json, notFoundResponse } from './http-workload.js';

export function bookDetails(id: number): Record<string, unknown> {
  return {
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  };
}

export function detailsApp(ctx: WorkloadContext, version: string): Workload {
  const headers = servedBy(ctx, version);
  return httpWorkload(ctx, appPort(ctx, BOOKINFO_PORT), (req) => {
    if (req.path === '/health') return json(200, { status: 'Details is healthy' }, headers);
    const m = req.path.match(/^\/details\/(-?\d+)$/);
    if (m && req.method === 'GET') return json(200, bookDetails(Number(m[1])), headers);
    if (req.path.startsWith('/details/')) return json(400, { error: 'please provide numeric product id' }, headers);
    return notFoundResponse(req.path);
  });
}
