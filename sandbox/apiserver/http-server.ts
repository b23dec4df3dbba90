// The sandbox's Kubernetes API server over HTTP: authentication, impersonation, RBAC authorization of every
// request (from its URL, before routing), routing to discovery/OpenAPI/resource handlers, and Status errors
// for everything that goes wrong. Enough of the real API for kubectl and
// @kubernetes/client-node to work unchanged.
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ClusterApi } from './api.js';
import { ANONYMOUS, requestToken, type Authenticator, type Identity, type TokenIssuer } from './auth.js';
import { RbacAuthorizer } from './rbac/authorizer.js';
import { escalationGuardedApi } from './rbac/escalation.js';
import { createOnApplyAuthorizedApi } from './rbac/create-on-apply.js';
import { impersonate, wantsImpersonation } from './rbac/impersonation.js';
import { forbiddenError, requestAttributes } from './rbac/request-attributes.js';
import { methodNotAllowed, StatusError, unauthorized } from './errors.js';
import type { LogSource } from './logs.js';
import { parseLogOptions, serveLogs } from './logs.js';
import { sendJson, sendStatus, warningHeader } from './http-io.js';
import type { PodStreamSource } from './pod-streams.js';
import { createPodStreamUpgrader, refuseUpgrade, refuseWithoutUpgrade, STREAM_SUBRESOURCES } from './streams/pod-stream-upgrade.js';
import { parseRoute, resolveType, type ResourceTarget, type Route } from './routing.js';
import { coreVersions, group, groupList, resourceList, versionInfo } from './discovery.js';
import { OpenApiV3, openapiV2 } from './openapi.js';
import { installCustomResourceDefinitions } from './crd/crd-controller.js';
import { handleGet, handleList, handleWatch } from './handlers/read-handlers.js';
import { handleCreate, handleDelete, handleDeleteCollection, handleUpdate } from './handlers/write-handlers.js';
import { handlePatch } from './handlers/patch-handler.js';
import { handleGetScale, handleWriteScale } from './handlers/scale-handler.js';
import type { RequestContext } from './handlers/request-context.js';
import { handleReview, isReviewTarget } from './handlers/review-handlers.js';
import { handleProxy, type ProxyTargets } from './handlers/proxy-handler.js';
import { handleTokenRequest } from './handlers/token-request-handler.js';
import { handleMetrics, type MetricsSource } from './handlers/metrics-handler.js';
import { handleEphemeralContainers } from './handlers/ephemeral-containers-handler.js';

export interface ApiServerOptions {
  api: ClusterApi;
  authenticator: Authenticator;
  /** Container logs (implemented by the runtime); without it pods/log answers 404. */
  logs?: LogSource;
  /** Serve HTTPS with this key and certificate chain (PEM). kubectl sends bearer tokens only over TLS. */
  tls?: { key: string; cert: string };
  /** Mints tokens for the serviceaccounts/token subresource (TokenRequest); without it that answers 404. */
  tokenIssuer?: TokenIssuer;
  /**
   * The addresses the node assigned to pods and Services (implemented by the runtime's address book): the
   * pods and services proxies connect only to these; without it they answer 503.
   */
  proxyTargets?: ProxyTargets;
  /** exec, attach and port-forward into pods (implemented by the runtime); without it those answer 404. */
  streams?: PodStreamSource;
  /** Pod and node usage for metrics.k8s.io (implemented by the runtime); without it that API answers 503. */
  metrics?: MetricsSource;
}

export type { Identity, Authenticator } from './auth.js';
export { StaticTokenAuthenticator, adminIdentity, serviceAccountIdentity } from './auth.js';
export type { LogSource, LogOptions } from './logs.js';
export type { PodStreamSource } from './pod-streams.js';

const isWatch = (q: URLSearchParams, t: ResourceTarget) => t.watchPath || q.get('watch') === 'true' || q.get('watch') === '1';

function verbOf(method: string, t: ResourceTarget, q: URLSearchParams): string {
  switch (method) {
    case 'GET': case 'HEAD': return isWatch(q, t) ? 'watch' : t.name ? 'get' : 'list';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return t.name ? 'delete' : 'deletecollection';
    default: throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
}

export function createApiServer(options: ApiServerOptions): Server {
  const { api, authenticator } = options;
  const authorizer = new RbacAuthorizer(api);
  const openapi = new OpenApiV3(api.registry);
  // CustomResourceDefinitions are objects like any other; creating one serves its kind (crd/).
  installCustomResourceDefinitions(api);
  const streams = new Set<() => void>();
  const track = (stop: () => void) => {
    streams.add(stop);
    return () => void streams.delete(stop);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof StatusError ? err : new StatusError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
      if (res.headersSent) res.destroy();
      else sendStatus(res, status);
    });
  };
  // https.Server has every http.Server method the callers use; the cast keeps one return type.
  const server = options.tls ? (createHttpsServer(options.tls, onRequest) as unknown as Server) : createServer(onRequest);
  const podStreams = createPodStreamUpgrader(api, options.streams, track);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(req, socket, head));

  /**
   * Upgrade requests: pods/exec, attach and portforward are authenticated and authorized like any request, and
   * refused with a plain HTTP Status before upgrading. Any other upgrade is served as an ordinary request.
   */
  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    try {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const served = (g: string, v: string, p: string) => !!api.registry.byResource(g, v, p);
      const route = safeRoute(url.pathname, served);
      if (route?.kind !== 'resource' || !STREAM_SUBRESOURCES.has(route.target.subresource ?? '')) {
        const res = new ServerResponse(req);
        res.shouldKeepAlive = false;
        res.assignSocket(socket as Socket);
        res.on('finish', () => socket.end());
        return onRequest(req, res);
      }
      authenticateAndAuthorize(req, url);
      const target = route.target;
      resolveType(api.registry, target); // 404 for a kind without the subresource
      if (req.method !== 'GET' && req.method !== 'POST') throw methodNotAllowed('the server does not allow this method on the requested resource');
      podStreams.upgrade(req, socket, head, target, url.searchParams);
    } catch (err) {
      const status = err instanceof StatusError ? err : new StatusError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
      refuseUpgrade(socket, status);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const identity = authenticateAndAuthorize(req, url);
    const served = (g: string, v: string, p: string) => !!api.registry.byResource(g, v, p);
    const route: Route = parseRoute(url.pathname, served);
    switch (route.kind) {
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        res.end('ok');
        return;
      case 'version': return sendJson(res, 200, versionInfo());
      case 'coreVersions': {
        const addr = server.address() as AddressInfo | null;
        return sendJson(res, 200, coreVersions(addr ? `${addr.address}:${addr.port}` : ''));
      }
      case 'groupList': return sendJson(res, 200, groupList(api.registry));
      case 'group': return sendJson(res, 200, group(api.registry, route.group));
      case 'resourceList': return sendJson(res, 200, resourceList(api.registry, route.group, route.version));
      case 'openapiV2': {
        const doc = openapiV2(req.headers.accept);
        res.writeHead(200, { 'Content-Type': doc.contentType, 'Content-Length': Buffer.byteLength(doc.body) });
        res.end(doc.body);
        return;
      }
      case 'openapiV3Root': return sendJson(res, 200, openapi.root());
      case 'openapiV3': return sendJson(res, 200, openapi.groupVersion(route.group, route.version));
      case 'resource': return handleResource(req, res, url, identity, route.target);
    }
  }

  /**
   * Who the request runs as, once RBAC allowed what its URL asks. No credentials: the anonymous user, served
   * only what system:unauthenticated may read (health, version) and 401 otherwise; a bad token is always 401.
   */
  function authenticateAndAuthorize(req: IncomingMessage, url: URL): Identity {
    const hasToken = req.headers.authorization !== undefined;
    const authenticated = hasToken ? identify(req) : undefined;
    if (hasToken && !authenticated) throw unauthorized();
    const identity = authenticated && wantsImpersonation(req) ? impersonate(req, authenticated, authorizer) : (authenticated ?? ANONYMOUS);
    const attrs = requestAttributes(identity, req.method ?? 'GET', url.pathname, url.searchParams);
    const decision = authorizer.authorize(attrs);
    if (decision.allowed) return identity;
    if (!authenticated) throw unauthorized();
    throw forbiddenError(attrs, decision.reason);
  }

  function identify(req: IncomingMessage): Identity | undefined {
    const token = requestToken(req.headers.authorization);
    const identity = token ? authenticator.authenticate(token) : undefined;
    // A bound service-account token dies with its ServiceAccount, as on a real cluster.
    if (identity?.boundTo) {
      const { namespace, serviceAccount, uid } = identity.boundTo;
      if (api.tryGet(api.type('', 'serviceaccounts'), namespace, serviceAccount)?.metadata.uid !== uid) return undefined;
    }
    return identity;
  }

  async function handleResource(req: IncomingMessage, res: ServerResponse, url: URL, identity: Identity, target: ResourceTarget): Promise<void> {
    const method = req.method ?? 'GET';
    const query = url.searchParams;
    // A cluster-scoped kind is not served under /namespaces/<ns>/ (RBAC authorized that URL in the namespace).
    if (target.namespace !== undefined && !resolveType(api.registry, target).namespaced) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    if (isReviewTarget(target)) return handleReview(req, res, target, identity, authorizer);
    const type = resolveType(api.registry, target);
    // A deprecated CRD version warns on every request (kubectl prints "Warning: …").
    if (type.deprecationWarning) res.setHeader('Warning', warningHeader([type.deprecationWarning]));
    if (type.group === 'metrics.k8s.io') return handleMetrics({ req, res, query, identity, api, target, type, logs: options.logs, track }, options.metrics);
    const verb = verbOf(method, target, query);
    // Roles and bindings written over the API are checked for privilege escalation (in-process writers are not).
    const guarded = escalationGuardedApi(api, authorizer, identity);
    // An apply that creates needs `create` as well as the `patch` the URL was authorized for.
    const writer = verb === 'patch' ? createOnApplyAuthorizedApi(guarded, authorizer, requestAttributes(identity, method, url.pathname, query)) : guarded;
    const ctx: RequestContext = { req, res, query, identity, api: writer, target, type, logs: options.logs, track };

    if (target.subresource === 'log') {
      if (method !== 'GET') throw methodNotAllowed('the server does not allow this method on the requested resource');
      if (!options.logs) throw new StatusError(404, 'NotFound', `logs are not available in this cluster (pod "${target.name}")`);
      api.get(type, target.namespace, target.name!); // 404 for a missing pod
      const abortStream = () => res.destroy();
      const untrack = track(abortStream);
      try {
        await serveLogs(res, options.logs, target.namespace!, target.name!, parseLogOptions(query));
      } finally {
        untrack();
      }
      return;
    }
    if (STREAM_SUBRESOURCES.has(target.subresource ?? '')) {
      if (method !== 'GET' && method !== 'POST') throw methodNotAllowed('the server does not allow this method on the requested resource');
      refuseWithoutUpgrade(api, options.streams, target, query);
    }
    if (target.subresource === 'proxy') {
      const untrack = track(() => res.destroy());
      try {
        await handleProxy(ctx, target.proxyPath ?? '/', url.search, options.proxyTargets);
      } finally {
        untrack();
      }
      return;
    }
    if (target.subresource === 'token') {
      if (method !== 'POST') throw methodNotAllowed('the server does not allow this method on the requested resource');
      if (!options.tokenIssuer) throw new StatusError(404, 'NotFound', 'this cluster does not issue service account tokens');
      return handleTokenRequest(ctx, options.tokenIssuer);
    }
    if (target.subresource === 'scale') {
      if (method === 'GET') return handleGetScale(ctx);
      if (method === 'PUT' || method === 'PATCH') return handleWriteScale(ctx, method);
      throw methodNotAllowed('the server does not allow this method on the requested resource');
    }
    if (target.subresource === 'ephemeralcontainers') return handleEphemeralContainers(ctx, method);
    if (target.subresource === 'status' && !['GET', 'PUT', 'PATCH'].includes(method))
      throw methodNotAllowed('the server does not allow this method on the requested resource');
    switch (verb) {
      case 'get': return handleGet(ctx);
      case 'list': return handleList(ctx);
      case 'watch': return handleWatch(ctx);
      case 'create': return handleCreate(ctx);
      case 'update': return handleUpdate(ctx);
      case 'patch': return handlePatch(ctx);
      case 'delete': return handleDelete(ctx);
      case 'deletecollection': return handleDeleteCollection(ctx);
    }
  }

  // Long-lived responses (watches, followed logs, exec sessions) would keep close() waiting forever: end them first.
  const close = server.close.bind(server);
  server.close = ((callback?: (err?: Error) => void) => {
    for (const stop of [...streams]) stop();
    close(callback);
    server.closeIdleConnections();
    return server;
  }) as Server['close'];
  return server;
}

function safeRoute(pathname: string, served: (g: string, v: string, p: string) => boolean): Route | undefined {
  try {
    return parseRoute(pathname, served);
  } catch {
    return undefined;
  }
}
