// curl, as tutorials use it inside a pod: -s -S -i -I -o -w -H -X -d -v -L -m/--max-time --connect-timeout -f
// -k -A --resolve. Output follows curl 8 byte for byte where it matters (the `-i` head as received, `-v`'s
// `* `/`> `/`< ` lines on stderr, `curl: (N) …` errors and exit codes). It dials through the container's own
// network (cluster DNS, the sidecar in a meshed pod) and never anything outside the cluster's addresses.
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Program, ProcessContext } from '../program.js';
import { FsError, normalizePath } from '../filesystem.js';
import { err, out, readAll } from '../stdio.js';
import { ProgressMeter } from './curl-progress.js';
import { DialError, dialFromPod, exchange, resolveInPod, type ParsedResponse } from './http-exchange.js';

export const CURL_VERSION = '8.5.0';
/** The longest any one curl may run in the sandbox, whatever --max-time says. */
const CURL_MAX_MS = 300_000;
const MAX_REDIRECTS = 50;
/** Most body bytes written to a file with -o (the container filesystem bounds it too). */
const OUTPUT_FILE_LIMIT = 16 * 1024 * 1024;

export interface CurlOptions {
  url?: string;
  silent: boolean;
  showError: boolean;
  include: boolean;
  head: boolean;
  output?: string;
  writeOut?: string;
  headers: string[];
  method?: string;
  data?: string;
  verbose: boolean;
  location: boolean;
  maxTimeMs?: number;
  connectTimeoutMs?: number;
  fail: boolean;
  resolve: { host: string; port: number; address: string }[];
  userAgent?: string;
  /** -u user:password (Basic authentication). */
  user?: string;
  /** --cacert: a PEM file of the container that verifies the server (the cluster CA at …/serviceaccount/ca.crt). */
  cacert?: string;
  /** -k: no verification of the server's certificate. */
  insecure: boolean;
}

export class CurlUsageError extends Error {
  constructor(
    message: string,
    readonly code = 2,
  ) {
    super(message);
  }
}

const TRY_HELP = "curl: try 'curl --help' or 'curl --manual' for more information\n";

/** The flags with a value, long and short. */
const WITH_VALUE: Record<string, keyof CurlOptions | 'data' | 'resolve' | 'skip'> = {
  '-o': 'output', '--output': 'output', '-w': 'writeOut', '--write-out': 'writeOut', '-H': 'headers', '--header': 'headers',
  '-X': 'method', '--request': 'method', '-d': 'data', '--data': 'data', '--data-raw': 'data', '--data-binary': 'data',
  '--data-ascii': 'data', '-m': 'maxTimeMs', '--max-time': 'maxTimeMs', '--connect-timeout': 'connectTimeoutMs',
  '--resolve': 'resolve', '-A': 'userAgent', '--user-agent': 'userAgent', '--retry': 'skip', '--retry-delay': 'skip',
  '--url': 'url', '-u': 'user', '--user': 'user', '-e': 'skip', '--referer': 'skip', '--cacert': 'cacert',
};
const BOOLEAN: Record<string, keyof CurlOptions | 'skip'> = {
  '-s': 'silent', '--silent': 'silent', '-S': 'showError', '--show-error': 'showError', '-i': 'include', '--include': 'include',
  '-I': 'head', '--head': 'head', '-v': 'verbose', '--verbose': 'verbose', '-L': 'location', '--location': 'location',
  '-f': 'fail', '--fail': 'fail', '-k': 'insecure', '--insecure': 'insecure', '--http1.1': 'skip', '-4': 'skip', '-6': 'skip',
  '--compressed': 'skip', '-N': 'skip', '--no-buffer': 'skip', '-#': 'skip', '--fail-with-body': 'fail',
};

function seconds(flag: string, v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new CurlUsageError(`curl: option ${flag}: expected a proper numerical parameter\n${TRY_HELP}`);
  return Math.round(Number(v) * 1000);
}

export function parseCurlArgs(argv: string[]): CurlOptions {
  const o: CurlOptions = { silent: false, showError: false, include: false, head: false, headers: [], verbose: false, location: false, fail: false, resolve: [], insecure: false };
  const set = (key: string, flag: string, value: string) => {
    switch (key) {
      case 'headers': o.headers.push(value); break;
      case 'data': o.data = o.data === undefined ? value : `${o.data}&${value}`; break;
      case 'maxTimeMs': o.maxTimeMs = seconds(flag, value); break;
      case 'connectTimeoutMs': o.connectTimeoutMs = seconds(flag, value); break;
      case 'resolve': {
        const m = value.match(/^([^:]+):(\d+):(.+)$/);
        if (!m) throw new CurlUsageError(`curl: option --resolve: ${value}: bad argument\n${TRY_HELP}`, 2);
        o.resolve.push({ host: m[1].toLowerCase(), port: Number(m[2]), address: m[3].replace(/^\[|\]$/g, '') });
        break;
      }
      case 'skip': break;
      default: (o as unknown as Record<string, string>)[key] = value;
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [flag, inline] = a.includes('=') && WITH_VALUE[a.slice(0, a.indexOf('='))] ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (WITH_VALUE[flag]) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new CurlUsageError(`curl: option ${flag}: requires parameter\n${TRY_HELP}`);
        set(WITH_VALUE[flag], flag, v);
      } else if (BOOLEAN[flag]) {
        if (BOOLEAN[flag] !== 'skip') (o as unknown as Record<string, boolean>)[BOOLEAN[flag]] = true;
      } else throw new CurlUsageError(`curl: option ${flag}: is unknown\n${TRY_HELP}`);
    } else if (a.startsWith('-') && a.length > 1) {
      // Bundled short flags (-sS, -sSL, -so file, -XPOST).
      for (let j = 1; j < a.length; j++) {
        const flag = `-${a[j]}`;
        if (WITH_VALUE[flag]) {
          const v = a.slice(j + 1) || argv[++i];
          if (v === undefined) throw new CurlUsageError(`curl: option ${flag}: requires parameter\n${TRY_HELP}`);
          set(WITH_VALUE[flag], flag, v);
          break;
        }
        if (!BOOLEAN[flag]) throw new CurlUsageError(`curl: option ${a}: is unknown\n${TRY_HELP}`);
        if (BOOLEAN[flag] !== 'skip') (o as unknown as Record<string, boolean>)[BOOLEAN[flag]] = true;
      }
    } else if (o.url === undefined) o.url = a;
  }
  if (o.url === undefined) throw new CurlUsageError(`curl: no URL specified\n${TRY_HELP}`);
  return o;
}

interface Transfer {
  url: URL;
  code: number;
  head?: ParsedResponse;
  remoteIp?: string;
  sizeDownload: number;
  sizeHeader: number;
  redirects: number;
  method: string;
  started: number;
  namelookup?: number;
  connected?: number;
  firstByte?: number;
  errorMessage?: string;
}

class CurlError extends Error {
  constructor(
    readonly exit: number,
    message: string,
  ) {
    super(message);
  }
}

function parseUrl(raw: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CurlError(3, 'URL rejected: Malformed input to a URL function');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CurlError(1, `Protocol "${url.protocol.slice(0, -1)}" not supported`);
  if (!url.hostname) throw new CurlError(3, 'URL rejected: No host part in the URL');
  return url;
}

const secs = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(6);

function writeOut(fmt: string, t: Transfer, exit: number): string {
  const now = performance.now();
  const vars: Record<string, string> = {
    http_code: String(t.head?.status ?? 0).padStart(3, '0'),
    response_code: String(t.head?.status ?? 0).padStart(3, '0'),
    time_total: secs(now - t.started),
    time_namelookup: secs((t.namelookup ?? t.started) - t.started),
    time_connect: secs((t.connected ?? t.started) - t.started),
    time_appconnect: secs(0),
    time_pretransfer: secs((t.connected ?? t.started) - t.started),
    time_starttransfer: secs((t.firstByte ?? t.started) - t.started),
    time_redirect: secs(0),
    size_download: String(t.sizeDownload),
    size_header: String(t.sizeHeader),
    size_request: '0',
    size_upload: '0',
    speed_download: String(Math.round(t.sizeDownload / Math.max((now - t.started) / 1000, 1e-6))),
    remote_ip: t.remoteIp ?? '',
    remote_port: t.remoteIp ? t.url.port || '80' : '',
    url_effective: t.url.href,
    url: t.url.href,
    content_type: t.head?.headers.get('content-type') ?? '',
    num_redirects: String(t.redirects),
    num_connects: String(t.remoteIp ? 1 : 0),
    method: t.method,
    http_version: t.head ? (t.head.httpVersion === '1.0' ? '1' : t.head.httpVersion.replace(/\.0$/, '')) : '0',
    scheme: 'HTTP',
    exitcode: String(exit),
    errormsg: t.errorMessage ?? '',
    redirect_url: t.head?.headers.get('location') ? new URL(t.head.headers.get('location')!, t.url).href : '',
  };
  return fmt
    .replace(/\\([nrt\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', '\\': '\\' })[c]!)
    .replace(/%\{(header\{([^}]*)\}|[a-z_]+)\}/g, (all, name: string, header?: string) => (header !== undefined ? (t.head?.headers.get(header.toLowerCase()) ?? '') : (vars[name] ?? all)))
    .replace(/%%/g, '%');
}

export const curl: Program = async (p) => {
  let o: CurlOptions;
  try {
    o = parseCurlArgs(p.argv.slice(1));
  } catch (e) {
    if (!(e instanceof CurlUsageError)) throw e;
    err(p, e.message);
    return e.code;
  }
  const showErrors = !o.silent || o.showError;
  // The meter shows unless silenced, when the output is not the terminal (verbose mode shows its own lines).
  const meter = !o.silent && !o.verbose && (!p.tty || o.output !== undefined) ? new ProgressMeter((text) => err(p, text)) : undefined;
  meter?.update();
  const verbose = (line: string) => o.verbose && err(p, `${line}\n`);
  const t: Transfer = { url: new URL('http://invalid/'), code: 0, sizeDownload: 0, sizeHeader: 0, redirects: 0, method: 'GET', started: performance.now() };
  const deadline = AbortSignal.any([p.signal, AbortSignal.timeout(Math.min(o.maxTimeMs ?? CURL_MAX_MS, CURL_MAX_MS))]);
  const fileChunks: Buffer[] = [];
  let fileSize = 0;
  let exit = 0;
  try {
    // -d @file / -d @- : the body from a file of the container, or from stdin.
    if (o.data?.startsWith('@')) {
      const source = o.data.slice(1);
      const body = source === '-' ? await readAll(p.stdin, p.signal) : p.fs.read(normalizePath(source, p.cwd));
      if (!body) {
        err(p, `Warning: Couldn't read data from file "${source}", this makes an empty POST.\n`);
        o.data = '';
      } else o.data = body.toString().replace(/[\r\n]/g, '');
    }
    t.url = parseUrl(o.url!);
    let method = o.method ?? (o.head ? 'HEAD' : o.data !== undefined ? 'POST' : 'GET');
    for (;;) {
      t.method = method;
      await transfer(p, o, t, method, deadline, verbose, meter, (chunk) => {
        if (o.output === undefined) out(p, chunk);
        else if (fileSize <= OUTPUT_FILE_LIMIT) {
          fileChunks.push(chunk);
          fileSize += chunk.length;
        }
      });
      const status = t.head!.status;
      const location = t.head!.headers.get('location');
      if (!o.location || !location || ![301, 302, 303, 307, 308].includes(status)) break;
      if (++t.redirects > MAX_REDIRECTS) throw new CurlError(47, `Maximum (${MAX_REDIRECTS}) redirects followed`);
      verbose(`* Issue another request to this URL: '${new URL(location, t.url).href}'`);
      t.url = parseUrl(new URL(location, t.url).href);
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST' && o.method === undefined)) method = o.head ? 'HEAD' : 'GET';
    }
    if (o.fail && t.head!.status >= 400) throw new CurlError(22, `The requested URL returned error: ${t.head!.status}`);
  } catch (e) {
    if (!(e instanceof CurlError)) throw e;
    exit = e.exit;
    t.errorMessage = e.message;
  }
  meter?.done();
  if (exit && showErrors) err(p, `curl: (${exit}) ${t.errorMessage}\n`);
  if (o.output !== undefined && exit !== 3 && exit !== 1) {
    try {
      if (exit !== 6 && exit !== 7) p.fs.write(normalizePath(o.output, p.cwd), Buffer.concat(fileChunks));
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      if (showErrors) err(p, `curl: (23) Failure writing output to destination\n`);
      exit ||= 23;
    }
  }
  if (o.writeOut !== undefined) out(p, writeOut(o.writeOut, t, exit));
  return exit;
};

const SSL_HELP =
  'More details here: https://curl.se/docs/sslcerts.html\n\n' +
  'curl failed to verify the legitimacy of the server and therefore could not\n' +
  'establish a secure connection to it. To learn more about this situation and\n' +
  'how to fix it, please visit the web page mentioned above.';

/**
 * TLS over the dialled socket, verified against --cacert only (a container has no CA bundle that knows the
 * cluster's CA, as a real one's does not): what reaching https://kubernetes.default.svc from a pod needs.
 */
async function startTls(p: ProcessContext, o: CurlOptions, socket: Socket, host: string, signal: AbortSignal, verbose: (line: string) => void): Promise<Socket> {
  let ca: string[] = [];
  if (o.cacert !== undefined) {
    const pem = p.fs.read(normalizePath(o.cacert, p.cwd));
    if (!pem) throw new CurlError(77, `error setting certificate file: ${o.cacert}`);
    ca = [pem.toString()];
  }
  const bare = host.replace(/^\[|\]$/g, '');
  const secure = tlsConnect({ socket, servername: isIP(bare) ? undefined : bare, ca, rejectUnauthorized: !o.insecure, ALPNProtocols: ['http/1.1'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new CurlError(28, 'SSL connection timeout'));
      signal.addEventListener('abort', onAbort, { once: true });
      secure.once('secureConnect', () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      secure.once('error', (e: NodeJS.ErrnoException) => {
        signal.removeEventListener('abort', onAbort);
        if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') reject(new CurlError(60, `SSL: no alternative certificate subject name matches target host name '${bare}'\n${SSL_HELP}`));
        else if (/certificate|issuer/i.test(e.message)) reject(new CurlError(60, `SSL certificate problem: unable to get local issuer certificate\n${SSL_HELP}`));
        else reject(new CurlError(35, `OpenSSL SSL_connect: ${e.message} in connection to ${bare}:443`));
      });
    });
  } catch (e) {
    secure.destroy();
    throw e;
  }
  verbose(`* SSL connection using ${secure.getProtocol() ?? 'TLSv1.3'} / ${secure.getCipher()?.standardName ?? ''}`);
  verbose(`* ALPN: server accepted ${secure.alpnProtocol || 'http/1.1'}`);
  return secure;
}

async function transfer(
  p: ProcessContext,
  o: CurlOptions,
  t: Transfer,
  method: string,
  signal: AbortSignal,
  verbose: (line: string) => void,
  meter: ProgressMeter | undefined,
  onBody: (chunk: Buffer) => void,
): Promise<void> {
  const url = t.url;
  const tls = url.protocol === 'https:';
  const port = Number(url.port || (tls ? 443 : 80));
  const host = url.hostname;
  const pinned = o.resolve.find((r) => r.host === host.toLowerCase() && r.port === port)?.address;
  if (pinned) verbose(`* Added ${host}:${port}:${pinned} to DNS cache`);
  const address = resolveInPod(p.container, host, pinned);
  t.namelookup = performance.now();
  if (address === undefined) {
    verbose(`* Could not resolve host: ${host}`);
    verbose('* Closing connection');
    throw new CurlError(6, `Could not resolve host: ${host}`);
  }
  const shown = address.includes(':') ? `[${address}]` : address;
  verbose(`*   Trying ${shown}:${port}...`);
  const connectMs = Math.min(o.connectTimeoutMs ?? CURL_MAX_MS, CURL_MAX_MS);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let dialled;
  try {
    dialled = await dialFromPod(p.container, host, address, port, connectMs, signal);
  } catch (e) {
    if (p.signal.aborted) throw e;
    if (e instanceof DialError && e.kind === 'timeout') {
      if (signal.aborted && !o.connectTimeoutMs) throw new CurlError(28, `Connection timed out after ${Math.round(performance.now() - t.started)} milliseconds`);
      throw new CurlError(28, `Failed to connect to ${host} port ${port} after ${elapsed()} ms: Timeout was reached`);
    }
    verbose(`* connect to ${address} port ${port} failed: ${/ECONNREFUSED/.test((e as Error).message) ? 'Connection refused' : 'No route to host'}`);
    verbose(`* Failed to connect to ${host} port ${port} after ${elapsed()} ms: Couldn't connect to server`);
    verbose('* Closing connection');
    throw new CurlError(7, `Failed to connect to ${host} port ${port} after ${elapsed()} ms: Couldn't connect to server`);
  }
  t.connected = performance.now();
  t.remoteIp = address;
  verbose(`* Connected to ${host} (${address}) port ${port}`);
  if (tls) dialled = { ...dialled, socket: await startTls(p, o, dialled.socket, host, signal, verbose) };

  const hostHeader = url.port ? `${host}:${url.port}` : host; // URL drops a scheme's default port
  const given = new Map<string, string>();
  for (const h of o.headers) {
    const colon = h.indexOf(':');
    if (colon > 0) given.set(h.slice(0, colon).trim().toLowerCase(), h);
  }
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`];
  const add = (name: string, value: string) => {
    const custom = given.get(name.toLowerCase());
    if (custom === undefined) lines.push(`${name}: ${value}`);
    else if (custom.slice(custom.indexOf(':') + 1).trim() !== '') lines.push(custom);
    given.delete(name.toLowerCase());
  };
  add('Host', hostHeader);
  if (o.user !== undefined) add('Authorization', `Basic ${Buffer.from(o.user.includes(':') ? o.user : `${o.user}:`).toString('base64')}`);
  add('User-Agent', o.userAgent ?? `curl/${CURL_VERSION}`);
  add('Accept', '*/*');
  const body = o.data !== undefined ? Buffer.from(o.data) : undefined;
  for (const h of given.values()) if (h.slice(h.indexOf(':') + 1).trim() !== '') lines.push(h);
  if (body) {
    if (!o.headers.some((h) => /^content-length:/i.test(h))) lines.push(`Content-Length: ${body.length}`);
    if (!o.headers.some((h) => /^content-type:/i.test(h))) lines.push('Content-Type: application/x-www-form-urlencoded');
  }
  if (lines.some((l) => /[\r\n]/.test(l))) throw new CurlError(43, 'A libcurl function was given a bad argument');
  // The request head as sent, CRLFs included, as curl -v shows it.
  if (o.verbose) err(p, `${lines.map((l) => `> ${l}\r\n`).join('')}> \r\n`);
  const request = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
  try {
    await exchange(
      dialled.socket,
      request,
      method === 'HEAD',
      {
        onHead: (head) => {
          t.firstByte = performance.now();
          t.head = head;
          if (meter) {
            const length = head.headers.get('content-length');
            meter.expected = method !== 'HEAD' && length && /^\d+$/.test(length) ? Number(length) : undefined;
          }
          t.sizeHeader += head.rawHead.length;
          if (o.verbose) {
            err(p, `< HTTP/${head.httpVersion} ${head.status} ${head.statusText}`.trimEnd() + '\r\n');
            for (const l of head.headerLines) err(p, `< ${l}\r\n`);
            err(p, '< \r\n');
          }
          if ((o.include || o.head) && !(o.fail && head.status >= 400)) {
            if (o.output === undefined) out(p, head.rawHead);
            else onBody(head.rawHead);
          }
        },
        onBody: (chunk) => {
          t.sizeDownload += chunk.length;
          if (meter) {
            meter.downloaded = t.sizeDownload;
            meter.update();
          }
          if (o.fail && t.head!.status >= 400) return;
          onBody(chunk);
        },
      },
      signal,
    );
  } catch (e) {
    if (p.signal.aborted) throw e;
    if (signal.aborted) throw new CurlError(28, `Operation timed out after ${Math.round(performance.now() - t.started)} milliseconds with ${t.sizeDownload} bytes received`);
    if ((e as Error).message === 'Empty reply from server') throw new CurlError(52, 'Empty reply from server');
    throw new CurlError(56, `Recv failure: ${(e as Error).message}`);
  }
  verbose(`* Connection #0 to host ${host} left intact`);
}
