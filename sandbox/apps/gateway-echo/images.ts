// The Gateway API conformance echo images under the names its manifests have used: registry.k8s.io (the mesh and
// base manifests today), gcr.io/k8s-staging-gateway-api (earlier staging tags). echo-advanced is Istio's echo
// server (on Istio's ubuntu base image, with curl) and carries the `client` program; echo-basic is the JSON echo
// server on a distroless base.
import type { ProgramSet } from '../../runtime/process/program.js';
import { DISTROLESS, SHELL_AND_CURL, type UpstreamImage } from '../upstream-image.js';
import { echoClientProgram } from './client.js';
import { echoAdvancedApp } from './echo-advanced.js';
import { echoBasicApp } from './echo-basic.js';

const STAGING_TAGS = [
  'v20231005-v0.8.1-68-gd4ff2d4f',
  'v20231013-v0.8.1-125-gd9014aa2',
  'v20231013-v0.8.1-133-g3959576a',
  'v20231024-v1.0.0-rc1-33-g9c830e50',
  'v20231214-v1.0.0-140-gf544a46e',
  'v20240412-v1.0.0-394-g40c666fd',
];

export const GATEWAY_ECHO_IMAGES: UpstreamImage[] = [
  { names: ['registry.k8s.io/gateway-api/conformance/echo-advanced'], tags: ['v0.1.0'], factory: (ctx) => echoAdvancedApp(ctx), tools: SHELL_AND_CURL },
  { names: ['registry.k8s.io/gateway-api/echo-advanced'], tags: ['v1.5.1'], factory: (ctx) => echoAdvancedApp(ctx), tools: SHELL_AND_CURL },
  { names: ['gcr.io/k8s-staging-gateway-api/echo-advanced'], tags: STAGING_TAGS, factory: (ctx) => echoAdvancedApp(ctx), tools: SHELL_AND_CURL },
  { names: ['registry.k8s.io/gateway-api/conformance/echo-basic'], tags: ['v0.1.0'], factory: (ctx) => echoBasicApp(ctx), tools: DISTROLESS },
  { names: ['registry.k8s.io/gateway-api/echo-basic'], tags: ['v1.5.1', 'v1.6.0-dev.1', 'v1.6.0-dev.3'], factory: (ctx) => echoBasicApp(ctx), tools: DISTROLESS },
  { names: ['gcr.io/k8s-staging-gateway-api/echo-basic'], tags: [...STAGING_TAGS, 'v20260204-monthly-2026.01-60-g28382302'], factory: (ctx) => echoBasicApp(ctx), tools: DISTROLESS },
];

/** What `kubectl exec` finds on the echo-advanced image's $PATH (Istio's echo image ships `client` and `server`). */
export const ECHO_ADVANCED_PROGRAMS: ProgramSet = { client: echoClientProgram };
export const ECHO_ADVANCED_IMAGE_NAMES = GATEWAY_ECHO_IMAGES.filter((i) => i.names[0].endsWith('/echo-advanced')).flatMap((i) => i.names);
