// busybox's network applets: nslookup (cluster DNS, with the pod's search path) and wget (-q -O -T -S, GET
// and --post-data), dialling through the container's network as curl does.
import { normalizePath, FsError } from '../filesystem.js';
import type { Program, ProcessContext } from '../program.js';
import { err, out } from '../stdio.js';
import { CLUSTER_DOMAIN } from '../../dns.js';
import { DialError, dialFromPod, exchange, resolveInPod, type ParsedResponse } from './http-exchange.js';

const WGET_TIMEOUT_MAX_MS = 300_000;

function nameserverOf(p: ProcessContext): string {
  const conf = p.fs.read('/etc/resolv.conf')?.toString() ?? '';
  return conf.match(/^nameserver\s+(\S+)/m)?.[1] ?? '10.96.0.10';
}

/** The fully qualified name the search path turns `name` into (what nslookup prints as Name:). */
function qualify(name: string, namespace: string): string {
  const n = name.replace(/\.$/, '').toLowerCase();
  const parts = n.split('.');
  if (parts.length === 1) return `${n}.${namespace}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 2) return `${n}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${n}.${CLUSTER_DOMAIN}`;
  return n;
}

export const nslookup: Program = async (p) => {
  const names = p.argv.slice(1).filter((a) => !a.startsWith('-'));
  if (!names.length) {
    err(p, 'Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n');
    return 1;
  }
  const server = nameserverOf(p);
  out(p, `Server:\t\t${server}\nAddress:\t${server}:53\n\n`);
  const name = names[0];
  const address = name.toLowerCase() === 'localhost' ? '127.0.0.1' : p.container.resolve(name);
  if (address === undefined) {
    out(p, `** server can't find ${qualify(name, p.container.namespace)}: NXDOMAIN\n\n`);
    return 1;
  }
  out(p, `Name:\t${/^[\d.]+$/.test(name) ? name : name === 'localhost' ? name : qualify(name, p.container.namespace)}\nAddress: ${address}\n\n`);
  return 0;
};

export const wget: Program = async (p) => {
  const args = p.argv.slice(1);
  let quiet = false;
  let output: string | undefined;
  let timeoutMs = 900_000;
  let postData: string | undefined;
  let spider = false;
  const headers: string[] = [];
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '-qO-' || a === '-qO' || a === '-O-' || a === '-O' || a === '--output-document') {
      if (a.startsWith('-q')) quiet = true;
      output = a.endsWith('-') && a !== '--output-document' ? '-' : args[++i];
    } else if (a.startsWith('-O')) output = a.slice(2);
    else if (a.startsWith('--output-document=')) output = a.slice(18);
    else if (a === '-T' || a === '--timeout') timeoutMs = Number(args[++i]) * 1000;
    else if (a.startsWith('--timeout=')) timeoutMs = Number(a.slice(10)) * 1000;
    else if (a.startsWith('--post-data=')) postData = a.slice(12);
    else if (a === '--spider') spider = true;
    else if (a === '--header') headers.push(args[++i] ?? '');
    else if (a.startsWith('--header=')) headers.push(a.slice(9));
    else if (a === '-S' || a === '-s' || a === '--server-response' || a === '-Y' || a === '--no-check-certificate') continue;
    else if (a.startsWith('-')) {
      err(p, `wget: unrecognized option: ${a.replace(/^-+/, '')}\nBusyBox v1.36.1 multi-call binary.\n`);
      return 1;
    } else url ??= a;
  }
  if (!url) {
    err(p, 'BusyBox v1.36.1 multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n');
    return 1;
  }
  let parsed: URL;
  try {
    parsed = new URL(/^[a-z]+:\/\//i.test(url) ? url : `http://${url}`);
  } catch {
    err(p, `wget: bad address '${url}'\n`);
    return 1;
  }
  if (parsed.protocol !== 'http:') {
    err(p, `wget: not an http or ftp url: ${url}\n`);
    return 1;
  }
  const host = parsed.hostname;
  const port = Number(parsed.port || 80);
  const address = resolveInPod(p.container, host);
  if (address === undefined) {
    err(p, `wget: bad address '${host}'\n`);
    return 1;
  }
  const signal = AbortSignal.any([p.signal, AbortSignal.timeout(Number.isFinite(timeoutMs) && timeoutMs > 0 ? Math.min(timeoutMs, WGET_TIMEOUT_MAX_MS) : WGET_TIMEOUT_MAX_MS)]);
  if (!quiet) err(p, `Connecting to ${parsed.host} (${address}:${port})\n`);
  let dialled;
  try {
    dialled = await dialFromPod(p.container, host, address, port, WGET_TIMEOUT_MAX_MS, signal);
  } catch (e) {
    if (p.signal.aborted) return 137;
    if (e instanceof DialError && e.kind === 'timeout') err(p, 'wget: download timed out\n');
    else err(p, `wget: can't connect to remote host (${address}): ${/ECONNREFUSED/.test((e as Error).message) ? 'Connection refused' : 'No route to host'}\n`);
    return 1;
  }
  const method = spider ? 'HEAD' : postData !== undefined ? 'POST' : 'GET';
  const lines = [`${method} ${parsed.pathname}${parsed.search} HTTP/1.1`, `Host: ${parsed.host}`, 'User-Agent: Wget', ...headers.filter((h) => !/[\r\n]/.test(h))];
  if (postData !== undefined) lines.push('Content-Type: application/x-www-form-urlencoded', `Content-Length: ${Buffer.byteLength(postData)}`);
  lines.push('Connection: close');
  const chunks: Buffer[] = [];
  let head: ParsedResponse | undefined;
  try {
    await exchange(dialled.socket, Buffer.from(`${lines.join('\r\n')}\r\n\r\n${postData ?? ''}`, 'latin1'), method === 'HEAD', {
      onHead: (h) => (head = h),
      onBody: (c) => {
        if (head && head.status < 400) chunks.push(c);
      },
    }, signal);
  } catch (e) {
    if (p.signal.aborted) return 137;
    err(p, signal.aborted ? 'wget: download timed out\n' : `wget: error getting response: ${(e as Error).message}\n`);
    return 1;
  }
  if (head!.status >= 400) {
    err(p, `wget: server returned error: HTTP/${head!.httpVersion} ${head!.status} ${head!.statusText}\n`);
    return 1;
  }
  if (spider) {
    if (!quiet) err(p, 'remote file exists\n');
    return 0;
  }
  const body = Buffer.concat(chunks);
  const target = output ?? (parsed.pathname.split('/').pop() || 'index.html');
  if (target === '-') {
    if (!quiet) err(p, 'writing to stdout\n');
    out(p, body);
    if (!quiet) err(p, 'written to stdout\n');
    return 0;
  }
  try {
    if (!quiet) err(p, `saving to '${target}'\n`);
    p.fs.write(normalizePath(target, p.cwd), body);
    if (!quiet) err(p, `'${target}' saved\n`);
  } catch (e) {
    if (!(e instanceof FsError)) throw e;
    err(p, `wget: ${e.message}\n`);
    return 1;
  }
  return 0;
};
