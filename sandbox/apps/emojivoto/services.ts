// Emojivoto's emoji-svc and voting-svc (images buoyantio/emojivoto-emoji-svc and -voting-svc, v11). They listen on
// GRPC_PORT (8080 in the manifests; see rpc.ts for the HTTP/1.1 stand-in for gRPC) and serve Prometheus text on
// PROM_PORT (8801). The voting service keeps upstream v11's bug: a vote for :doughnut: always fails, which
// Linkerd's "debugging with Linkerd" tutorial finds with `linkerd viz top`/`tap`.
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { appPort, httpWorkload, json, type AppResponse } from '../http-workload.js';
import { EMOJI } from './emoji-list.js';
import { EMOJI_SERVICE, VOTING_SERVICE, rpcRoute } from './rpc.js';

export const EMOJIVOTO_RPC_PORT = 8080;
export const EMOJIVOTO_PROM_PORT = 8801;

/** Upstream's per-emoji vote methods: `:stuck_out_tongue_winking_eye:` → `VoteStuckOutTongueWinkingEye`. */
export function voteMethod(shortcode: string): string {
  return `Vote${shortcode.replace(/:/g, '').split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`;
}

/** The gRPC-port server plus, when PROM_PORT is set, the Prometheus one; logs upstream's startup line. */
function withMetrics(ctx: WorkloadContext, main: Workload, counters: () => Record<string, number>): Workload {
  const promPort = Number(ctx.env.PROM_PORT);
  const startLine = () => ctx.log(`Starting grpc server on GRPC_PORT=[${rpcPort(ctx)}]`);
  if (!Number.isInteger(promPort) || promPort <= 0) return { start: async () => (startLine(), main.start()), stop: () => main.stop() };
  const prom = httpWorkload(ctx, promPort, (req) => {
    if (req.path !== '/metrics') return { status: 404, body: '404 page not found\n' };
    const lines = Object.entries(counters()).map(([key, n]) => {
      const [method, code = 'OK'] = key.split(' ');
      return `grpc_server_handled_total{grpc_code="${code}",grpc_method="${method}"} ${n}`;
    });
    return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4' }, body: ['# TYPE grpc_server_handled_total counter', ...lines, ''].join('\n') };
  });
  return {
    start: async () => {
      startLine();
      await main.start();
      await prom.start();
    },
    stop: async () => {
      await Promise.all([main.stop(), prom.stop()]);
    },
  };
}

function rpcPort(ctx: WorkloadContext): number {
  const fromEnv = Number(ctx.env.GRPC_PORT);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : appPort(ctx, EMOJIVOTO_RPC_PORT);
}

export function emojiServiceApp(ctx: WorkloadContext): Workload {
  const handled: Record<string, number> = {};
  const main = httpWorkload(ctx, rpcPort(ctx), (req): AppResponse => {
    const route = rpcRoute(req, EMOJI_SERVICE);
    if (!('method' in route)) return route;
    handled[route.method] = (handled[route.method] ?? 0) + 1;
    if (route.method === 'ListAll') return json(200, { list: EMOJI });
    if (route.method === 'FindByShortcode') {
      const emoji = EMOJI.find((e) => e.shortcode === route.message.shortcode);
      return json(200, emoji ? { emoji } : {});
    }
    return json(501, { error: `unknown method ${route.method}` });
  });
  return withMetrics(ctx, main, () => handled);
}

export function votingServiceApp(ctx: WorkloadContext): Workload {
  const votes = new Map<string, number>();
  const handled: Record<string, number> = {};
  const byMethod = new Map(EMOJI.map((e) => [voteMethod(e.shortcode), e.shortcode]));
  const main = httpWorkload(ctx, rpcPort(ctx), (req): AppResponse => {
    const route = rpcRoute(req, VOTING_SERVICE);
    if (!('method' in route)) return route;
    handled[route.method] = (handled[route.method] ?? 0) + 1;
    if (route.method === 'Results') {
      // Most votes first, as voting/poll.go sorts them.
      const results = [...votes].map(([shortcode, n]) => ({ shortcode, votes: n })).sort((a, b) => b.votes - a.votes);
      return json(200, { results });
    }
    const shortcode = byMethod.get(route.method);
    if (!shortcode) return json(501, { error: `unknown method ${route.method}` });
    if (shortcode === ':doughnut:') {
      // emojivoto v11's VoteDoughnut: `return nil, fmt.Errorf("ERROR")`.
      handled[route.method]--;
      handled[`${route.method} Unknown`] = (handled[`${route.method} Unknown`] ?? 0) + 1;
      return json(500, { error: 'ERROR' });
    }
    votes.set(shortcode, (votes.get(shortcode) ?? 0) + 1);
    return json(200, {});
  });
  return withMetrics(ctx, main, () => handled);
}
