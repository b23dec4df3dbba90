// The fortio/fortio image (Istio's samples/httpbin/sample-client/fortio-deploy.yaml runs `fortio/fortio:latest_release`):
// its main process is `fortio server` — here the echo server on 8080 (any path answers 200 with the request body;
// `?status=N` answers N, `?size=N` sends N bytes, as fortio's echo handler does) and the gRPC health and ping server on
// 8079 (grpc-ping-server.ts; the manifests name that container port `grpc-ping`) — and `/usr/bin/fortio` is on its
// $PATH for `kubectl exec … -- /usr/bin/fortio load|curl …` (fortio-cli.ts). The image is FROM scratch: no shell.
import type { ProgramSet } from '../../runtime/process/program.js';
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { appPort, httpWorkload, type AppResponse } from '../http-workload.js';
import { DISTROLESS, type UpstreamImage } from '../upstream-image.js';
import { fortioProgram } from './fortio-cli.js';
import { FORTIO_GRPC_PORT, fortioGrpcWorkload } from './grpc-ping-server.js';
import { FORTIO_VERSION } from './fortio-log.js';

export const FORTIO_ECHO_PORT = 8080;
/** `?size=` sends at most this many bytes (fortio caps its payloads too). */
export const MAX_ECHO_SIZE = 256 * 1024;

function fortioServer(ctx: WorkloadContext): Workload {
  ctx.log(`{"ts":${(Date.now() / 1000).toFixed(6)},"level":"info","r":1,"file":"scli.go","line":122,"msg":"Starting","command":"Φορτίο","version":"${FORTIO_VERSION}"}`);
  // A pod that lists its grpc-ping port first still gets the echo server on 8080, as fortio's -http-port default does.
  const declared = appPort(ctx, FORTIO_ECHO_PORT);
  const echo = httpWorkload(ctx, declared === FORTIO_GRPC_PORT ? FORTIO_ECHO_PORT : declared, (req): AppResponse => {
    const headers = { 'x-fortio-version': FORTIO_VERSION };
    if (req.path === '/debug' || req.path.startsWith('/debug/')) {
      const lines = [`Φορτίο version ${FORTIO_VERSION} echo debug server up for ${ctx.podName} - request from ${req.remoteAddress}`, '', `${req.method} ${req.path} HTTP/1.1`, '', 'headers:', ''];
      for (const [k, v] of Object.entries(req.headers)) lines.push(`${k}: ${Array.isArray(v) ? v.join(',') : v}`);
      lines.push('', `body:`, '', req.body);
      return { status: 200, headers, body: lines.join('\n') + '\n' };
    }
    const status = Number(req.query.get('status') ?? 200);
    const size = Number(req.query.get('size') ?? 0);
    const code = Number.isInteger(status) && status >= 200 && status <= 599 ? status : 400;
    const body = Number.isInteger(size) && size > 0 ? Buffer.alloc(Math.min(size, MAX_ECHO_SIZE), 'x') : req.body;
    return { status: code, headers, body };
  });
  const grpc = fortioGrpcWorkload(ctx);
  return {
    start: async () => {
      await grpc.start();
      await echo.start().catch(async (err: unknown) => {
        await grpc.stop();
        throw err;
      });
    },
    stop: async () => {
      await Promise.all([echo.stop(), grpc.stop()]);
    },
    ready: echo.ready,
  };
}

export const FORTIO_IMAGES: UpstreamImage[] = [
  {
    names: ['fortio/fortio'],
    tags: ['latest_release', 'latest', FORTIO_VERSION],
    // Every release tag (`1.69.5`) runs the same built-in.
    tagPattern: /^1\.\d+\.\d+$/,
    factory: (ctx) => fortioServer(ctx),
    tools: DISTROLESS,
  },
];

/** What `kubectl exec` finds on the image's $PATH. */
export const FORTIO_PROGRAMS: ProgramSet = { fortio: fortioProgram };
