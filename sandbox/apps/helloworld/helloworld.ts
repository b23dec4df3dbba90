// Istio's helloworld sample (samples/helloworld/src/app.py): `/hello` answers `Hello version: <SERVICE_VERSION>,
// instance: <HOSTNAME>` (the image bakes SERVICE_VERSION v1 or v2; HOSTNAME is the pod name), `/health` says it is
// healthy. Port 5000 as the image's gunicorn binds it. Upstream burns CPU on each request to make autoscaling
// visible; the sandbox does not.
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { SHELL_ONLY, spellings, type UpstreamImage } from '../upstream-image.js';
import { appPort, httpWorkload, notFoundResponse } from '../http-workload.js';

export const HELLOWORLD_PORT = 5000;

export function helloworldApp(ctx: WorkloadContext, imageVersion: string): Workload {
  const version = ctx.env.SERVICE_VERSION ?? imageVersion;
  const instance = ctx.env.HOSTNAME ?? ctx.podName;
  const text = { 'content-type': 'text/html; charset=utf-8' };
  return httpWorkload(ctx, appPort(ctx, HELLOWORLD_PORT), (req) => {
    if (req.path === '/hello') return { status: 200, headers: text, body: `Hello version: ${version}, instance: ${instance}\n` };
    if (req.path === '/health') return { status: 200, headers: text, body: 'Helloworld is healthy' };
    return notFoundResponse(req.path);
  });
}

const REGISTRIES = ['registry.istio.io/release/', 'istio/'];

export const HELLOWORLD_IMAGES: UpstreamImage[] = ['v1', 'v2'].map((v) => ({
  names: spellings(REGISTRIES, `examples-helloworld-${v}`),
  tags: ['1.0', 'latest'],
  factory: (ctx: WorkloadContext) => helloworldApp(ctx, v),
  tools: SHELL_ONLY, // python:3-slim
}));
