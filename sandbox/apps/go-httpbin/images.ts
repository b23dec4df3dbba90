// The httpbin images Istio's samples have used — mccutchen/go-httpbin (today's samples/httpbin/httpbin.yaml, port 8080),
// and before it kennethreitz/httpbin and kong/httpbin (port 80) — run the playground's httpbin app, which has the
// routes the Istio tasks call (/get, /headers, /status/<code>, /delay/<s>, /anything, /ip, /uuid, /post), go-httpbin's
// answering with its lists of header and query values.
import { httpbinApp } from '../httpbin.js';
import { DISTROLESS, SHELL_ONLY, type UpstreamImage } from '../upstream-image.js';

export const GO_HTTPBIN_IMAGES: UpstreamImage[] = [
  { names: ['mccutchen/go-httpbin', 'ghcr.io/mccutchen/go-httpbin'], tags: ['v2.15.0', 'v2', 'latest'], tagPattern: /^v2\.\d+\.\d+$/, factory: (ctx, tag) => httpbinApp(ctx, tag, { goHttpbin: true }), tools: DISTROLESS },
  { names: ['kennethreitz/httpbin', 'kong/httpbin'], tags: ['latest'], factory: (ctx, tag) => httpbinApp(ctx, tag), tools: SHELL_ONLY },
];
