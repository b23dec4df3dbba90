// The per-request arithmetic of the Gateway API HTTPRoute filters, as pure functions of strings so the HTTP/1 path
// (outbound/http1.ts) and the HTTP/2 path share them: the Location of a RequestRedirect, the :path/:authority of a
// URLRewrite, whether a request is mirrored and the mirror's Host, and header modifiers. The rules quoted are the
// field docs of apis/v1/httproute_types.go (HTTPPathModifier, HTTPRequestRedirectFilter, HTTPURLRewriteFilter).
//
// A data path uses them in this order (outbound/http1.ts does, for HTTP/1): the rule's `redirect` → answer with
// redirectLocation(); else pick a backend, take `filtersFor(rule, backend)`: its `redirect` → answer; else
// applyModifier(requestHeaders), rewriteTarget(:authority, :path, rewrite), send, and for each of `mirrors` with
// mirrorSelected() a copy with shadowAuthority() (the rule's mirrors once per request, not per retry);
// applyModifier(responseHeaders) on the answer. hasRoutingFilters() says whether a rule needs any of it.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { CompiledBackend, CompiledRule, HeaderModifier, HttpFilters, MirrorSpec, PathModifier, RedirectSpec, RewriteSpec } from '../config/snapshot.js';

/** A request target split at the first `?` (the query is kept as is by every modifier). */
export function splitPathQuery(pathWithQuery: string): { path: string; query: string } {
  const q = pathWithQuery.indexOf('?');
  return q === -1 ? { path: pathWithQuery, query: '' } : { path: pathWithQuery.slice(0, q), query: pathWithQuery.slice(q) };
}

/**
 * ReplacePrefixMatch on path-element boundaries: `prefix` (the rule's PathPrefix match, trailing `/` trimmed) is
 * replaced by `replacement` (trailing `/` ignored), keeping the rest. The spec's table: /foo/bar,/foo,/xyz → /xyz/bar;
 * /foo/,/foo,/xyz → /xyz/; /foo/bar,/foo,"" → /bar; /foo,/foo,"" → /; /foo/,/foo,/ → /. A path the prefix does not
 * match on an element boundary (the rule would not have matched it) is returned unchanged.
 */
export function replacePrefix(path: string, prefix: string, replacement: string): string {
  const p = prefix === '/' ? '' : prefix.replace(/\/+$/, '');
  if (!path.startsWith(p) || (path.length > p.length && path.charCodeAt(p.length) !== 47 /* / */)) return path;
  const rest = path.slice(p.length);
  const out = replacement.replace(/\/+$/, '') + rest;
  return out === '' ? '/' : out.startsWith('/') ? out : `/${out}`;
}

/** The path (query kept) after a path modifier. */
export function modifyPath(pathWithQuery: string, modifier: PathModifier | undefined): string {
  if (!modifier) return pathWithQuery;
  const { path, query } = splitPathQuery(pathWithQuery);
  const next = modifier.type === 'ReplaceFullPath' ? modifier.value : replacePrefix(path, modifier.prefix, modifier.value);
  return next + query;
}

/** The host part of a Host header / :authority (no port; IPv6 literals keep their brackets). */
export function authorityHost(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end === -1 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}

const WELL_KNOWN_PORT: Record<string, number> = { http: 80, https: 443 };

export interface RedirectInput {
  /** The scheme the caller used (`http` for an app talking to its sidecar). */
  scheme: string;
  /** The Host header / :authority the caller sent. */
  authority: string;
  pathWithQuery: string;
  /** The port the caller dialled (the Service port: the mesh's "listener port"). */
  listenerPort: number;
}

/**
 * The Location of a RequestRedirect. Scheme: the filter's, else the request's. Host: the filter's hostname, else the
 * request's Host without its port. Port: the filter's; else, when the filter sets a scheme, that scheme's well-known
 * port (http 80, https 443); else the listener port. The port is left out when it is the scheme's well-known one.
 * Path: modified as the filter says, else the request's; the query is kept.
 */
export function redirectLocation(input: RedirectInput, redirect: RedirectSpec): string {
  const scheme = redirect.scheme ?? input.scheme;
  const host = redirect.hostname ?? authorityHost(input.authority);
  const port = redirect.port ?? (redirect.scheme ? (WELL_KNOWN_PORT[redirect.scheme] ?? input.listenerPort) : input.listenerPort);
  const showPort = WELL_KNOWN_PORT[scheme] !== port;
  return `${scheme}://${host}${showPort ? `:${port}` : ''}${modifyPath(input.pathWithQuery, redirect.path)}`;
}

/**
 * A URLRewrite's result: the Host sent upstream ("the value to be used to replace the Host header value": the whole
 * value, as Envoy's host_rewrite_literal does) and the rewritten path with its query.
 */
export function rewriteTarget(authority: string, pathWithQuery: string, rewrite: RewriteSpec | undefined): { authority: string; pathWithQuery: string } {
  if (!rewrite) return { authority, pathWithQuery };
  return { authority: rewrite.hostname ?? authority, pathWithQuery: modifyPath(pathWithQuery, rewrite.path) };
}

/** Whether this request is one of the mirrored fraction (`random` in [0, 1)). */
export function mirrorSelected(mirror: MirrorSpec, random: number = Math.random()): boolean {
  if (mirror.numerator <= 0) return false;
  if (mirror.numerator >= mirror.denominator) return true;
  return random * mirror.denominator < mirror.numerator;
}

/**
 * The Host a mirrored copy carries. Envoy (so Istio, Kuma, Envoy Gateway: every Envoy-based mesh) appends `-shadow` to the
 * host, before any port (envoyproxy/envoy source/common/router/shadow_writer_impl.cc shadowAppendedHost:
 * `echo:80` → `echo-shadow:80`), so the mirror's logs and metrics tell copies from live traffic; the sandbox does the
 * same.
 */
export function shadowAuthority(authority: string): string {
  const host = authorityHost(authority);
  return `${host}-shadow${authority.slice(host.length)}`;
}

/** The filters in force for a request sent to `backend` under `rule`: the rule's, then the backendRef's. */
export function filtersFor(rule: CompiledRule, backend: CompiledBackend | undefined): HttpFilters {
  const b = backend?.filters;
  if (!b) return rule;
  return {
    requestHeaders: concatModifiers(rule.requestHeaders, b.requestHeaders),
    responseHeaders: concatModifiers(rule.responseHeaders, b.responseHeaders),
    redirect: b.redirect ?? rule.redirect,
    rewrite: b.rewrite || rule.rewrite ? { ...rule.rewrite, ...b.rewrite } : undefined,
    mirrors: b.mirrors || rule.mirrors ? [...(rule.mirrors ?? []), ...(b.mirrors ?? [])] : undefined,
  };
}

function concatModifiers(a: HeaderModifier | undefined, b: HeaderModifier | undefined): HeaderModifier | undefined {
  if (!a || !b) return a ?? b;
  return { set: [...a.set, ...b.set], add: [...a.add, ...b.add], remove: [...a.remove, ...b.remove] };
}

/** Whether a rule needs the slow path's filter handling (a redirect, a rewrite, mirrors, or backendRef filters). */
export function hasRoutingFilters(rule: CompiledRule): boolean {
  return !!(rule.redirect || rule.rewrite || rule.mirrors || rule.backends.some((b) => b.filters));
}

/** A header modifier on a lower-cased header object: remove, then set, then add (appended with a comma). */
export function applyModifier(headers: OutgoingHttpHeaders | IncomingHttpHeaders, m: HeaderModifier): void {
  for (const name of m.remove) delete headers[name];
  for (const [name, value] of m.set) headers[name] = value;
  for (const [name, value] of m.add) {
    const prev = headers[name];
    headers[name] = prev === undefined ? value : `${Array.isArray(prev) ? prev.join(',') : prev},${value}`;
  }
}
