// A real listening sandbox API server (ObjectStore + ClusterApi + HTTP) with tokens, RBAC's bootstrap policy,
// a kubeconfig in a temp dir, and a way to run the real kubectl against it. No runtime or controllers.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ObjectStore } from '../../sandbox/apiserver/store.js';
import { ResourceRegistry } from '../../sandbox/apiserver/resources.js';
import { ClusterApi } from '../../sandbox/apiserver/api.js';
import { adminIdentity, createApiServer, StaticTokenAuthenticator, type LogSource, type PodStreamSource } from '../../sandbox/apiserver/http-server.js';
import { ensureBootstrapPolicy } from '../../sandbox/apiserver/rbac/bootstrap-policy.js';
import type { PolicyRule } from '../../sandbox/apiserver/rbac/policy-rules.js';
import { writeKubeconfig } from '../../sandbox/apiserver/kubeconfig.js';
import type { ProxyTargets } from '../../sandbox/apiserver/handlers/proxy-handler.js';
import { createServingCertificate } from '../../sandbox/apiserver/serving-certificate.js';

export const KUBECTL = '/usr/bin/kubectl';
export const ADMIN_TOKEN = 'admin-token-for-tests';
/** The token of user "learner" (group system:authenticated only): it may do what RBAC grants it. */
export const SCOPED_TOKEN = 'scoped-token-for-tests';
export const RBAC_V1 = 'rbac.authorization.k8s.io/v1';

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Fixture {
  api: ClusterApi;
  store: ObjectStore;
  server: Server;
  url: string;
  /** PEM of the CA that signed the server's certificate (the fixture serves HTTPS, like the sandbox). */
  ca: string;
  dir: string;
  kubeconfig: string;
  scopedKubeconfig: string;
  kubectl(args: string[], opts?: { input?: string; kubeconfig?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Writes a file into the fixture's temp dir and returns its path. */
  file(name: string, content: string): string;
  request(method: string, path: string, opts?: { body?: string | Uint8Array; contentType?: string; token?: string | null; accept?: string }): Promise<{ status: number; headers: Headers; text: string; json(): any }>;
  createNamespace(name: string): void;
  /**
   * A ServiceAccount (created if missing) and a kubeconfig holding a token minted for it by the TokenRequest API,
   * with `namespace` as the context's namespace.
   */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<{ token: string; kubeconfig: string; user: string }>;
  /** A Role (or, with `clusterRole`, a ClusterRole) with these rules, bound in `namespace` to `subject`. */
  grant(namespace: string, name: string, rules: PolicyRule[], subject: Subject, opts?: { clusterRole?: boolean }): void;
  close(): Promise<void>;
}

export async function startFixture(opts: { logs?: LogSource; namespaces?: string[]; proxyTargets?: ProxyTargets; streams?: PodStreamSource } = {}): Promise<Fixture> {
  const store = new ObjectStore();
  const api = new ClusterApi(store, ResourceRegistry.default());
  const auth = new StaticTokenAuthenticator()
    .add(ADMIN_TOKEN, adminIdentity('admin'))
    .add(SCOPED_TOKEN, { user: 'learner', groups: ['system:authenticated'] });
  ensureBootstrapPolicy(api);
  const cert = await createServingCertificate(['127.0.0.1', 'localhost']);
  const server = createApiServer({ api, authenticator: auth, logs: opts.logs, proxyTargets: opts.proxyTargets, streams: opts.streams, tokenIssuer: auth, tls: { key: cert.keyPem, cert: cert.certPem + cert.caPem } });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;
  const ca = cert.caPem;
  const dir = mkdtempSync(join(tmpdir(), 'apiserver-test-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const scopedKubeconfig = join(dir, 'kubeconfig-scoped');
  writeKubeconfig(kubeconfig, { server: url, token: ADMIN_TOKEN, namespace: 'default', certificateAuthority: ca });
  writeKubeconfig(scopedKubeconfig, { server: url, token: SCOPED_TOKEN, namespace: 'team-a', contextName: 'learner', certificateAuthority: ca });

  const createNamespace = (name: string) => {
    api.create(api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } });
  };
  for (const ns of opts.namespaces ?? ['default']) createNamespace(ns);

  const request: Fixture['request'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = {};
    if (o.token !== null) headers.Authorization = `Bearer ${o.token ?? ADMIN_TOKEN}`;
    if (o.contentType) headers['Content-Type'] = o.contentType;
    if (o.accept) headers.Accept = o.accept;
    const { status, headers: h, body } = await httpsRoundTrip(url + path, { method, headers, body: o.body, ca });
    const text = body.toString('utf8');
    return { status, headers: h, text, json: () => JSON.parse(text) };
  };

  return {
    api,
    store,
    server,
    url,
    ca,
    dir,
    kubeconfig,
    scopedKubeconfig,
    createNamespace,
    file(name, content) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    kubectl(args, o = {}) {
      return new Promise((resolve) => {
        const child = execFile(
          KUBECTL,
          ['--kubeconfig', o.kubeconfig ?? kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
          { timeout: o.timeoutMs ?? 30_000, env: { PATH: process.env.PATH ?? '/usr/bin', HOME: dir } },
          (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
        if (o.input !== undefined) child.stdin?.end(o.input);
      });
    },
    request,
    async serviceAccountKubeconfig(namespace, name) {
      const sas = api.type('', 'serviceaccounts');
      if (!api.tryGet(sas, namespace, name)) api.create(sas, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
      const minted = await request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, { body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }), contentType: 'application/json' });
      if (minted.status !== 201) throw new Error(`TokenRequest failed: ${minted.text}`);
      const token = minted.json().status.token as string;
      const path = join(dir, `kubeconfig-${namespace}-${name}`);
      writeKubeconfig(path, { server: url, token, namespace, contextName: `${namespace}-${name}`, certificateAuthority: ca });
      return { token, kubeconfig: path, user: `system:serviceaccount:${namespace}:${name}` };
    },
    grant(namespace, name, rules, subject, g = {}) {
      const kind = g.clusterRole ? 'ClusterRole' : 'Role';
      const roleType = api.type('rbac.authorization.k8s.io', g.clusterRole ? 'clusterroles' : 'roles');
      api.create(roleType, { apiVersion: RBAC_V1, kind, metadata: { name, ...(g.clusterRole ? {} : { namespace }) }, rules });
      api.create(api.type('rbac.authorization.k8s.io', 'rolebindings'), {
        apiVersion: RBAC_V1,
        kind: 'RoleBinding',
        metadata: { name, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name },
        subjects: [subject.kind === 'ServiceAccount' ? subject : { apiGroup: 'rbac.authorization.k8s.io', ...subject }],
      });
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One HTTPS request trusting the given CA (global fetch cannot be given a CA without undici). */
export function httpsRoundTrip(url: string, o: { method: string; headers: Record<string, string>; body?: string | Uint8Array; ca: string }): Promise<{ status: number; headers: Headers; body: Buffer }> {
  return new Promise((resolve, reject) => {
    // An explicit length: node sends DELETE bodies without one (no chunking for DELETE), which servers ignore.
    const headers = o.body === undefined ? o.headers : { ...o.headers, 'Content-Length': String(Buffer.byteLength(o.body)) };
    const req = httpsRequest(url, { method: o.method, headers, ca: o.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
