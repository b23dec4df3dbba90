// Mesh views: stat (golden metrics), tap (a stream of live requests), topology (with call edges from live traffic).
import type { Dispatcher } from '../api/dispatcher.js';
import { callEdges } from '../mesh/call-edges.js';
import { meshStat, scrapeMeshedPods } from '../mesh/stat.js';
import { tapSession } from '../mesh/tap.js';
import { sessionTopology } from '../mesh/topology.js';
import { sessionOf, type OpDeps } from './deps.js';

export function registerMeshOps(d: Dispatcher, _deps: OpDeps): void {
  d.register('getMeshStat', async (params, ctx) => meshStat(sessionOf(ctx), params.resource ?? 'deployments', ctx.signal));
  d.register('tapMesh', async (params, ctx) => tapSession(sessionOf(ctx), params, (e) => ctx.emit(e), ctx.signal));
  d.register('getTopology', async (_params, ctx) => {
    const session = sessionOf(ctx);
    // Call edges come from the proxies' own counters; a topology is still worth showing if they cannot be read.
    const [topology, edges] = await Promise.all([
      sessionTopology(session.kube, session.namespace, ctx.signal),
      scrapeMeshedPods(session, ctx.signal).then(({ scraped }) => callEdges(scraped), () => []),
    ]);
    return { ...topology, edges };
  });
}
