// The `nginx` image (nginx:alpine and friends) as far as Linkerd's fault-injection task uses it: the main process
// `nginx -g 'daemon off;'` reads /etc/nginx/nginx.conf (the image's default, or a ConfigMap mounted over it) and
// serves its `server { listen …; location … { return CODE [TEXT]; } }` blocks — the task's error injector is
// `location / { return 500; }`. Any directive beyond those is refused at startup with nginx's own `[emerg]` line
// naming the file and line, so a config the sandbox cannot serve fails loudly (the container exits 1).
import { STATUS_CODES } from 'node:http';
import type { Program } from '../../runtime/process/program.js';
import type { Workload } from '../../runtime/workload.js';
import { httpWorkload, type AppRequest, type AppResponse } from '../http-workload.js';

export const NGINX_VERSION = '1.27.3';
export const NGINX_CONF = '/etc/nginx/nginx.conf';
/** Bounds on what a learner's config may ask for. */
const MAX_CONF_BYTES = 64 * 1024;
const MAX_SERVERS = 8;

/** The image's own default: the welcome page on port 80. */
export const DEFAULT_NGINX_CONF = `events {}
http {
    server {
        listen 80;
        location / {
            return 200 "Welcome to nginx!";
        }
    }
}
`;

interface Directive {
  name: string;
  args: string[];
  block?: Directive[];
  line: number;
}

interface Location {
  exact: boolean;
  path: string;
  status: number;
  text?: string;
}
export interface NginxServer {
  port: number;
  locations: Location[];
}

class ConfError extends Error {}

function parseBlocks(text: string, file: string): Directive[] {
  const tokens: { t: string; line: number; quoted: boolean }[] = [];
  let line = 1;
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '\n') line++;
    if (/\s/.test(c)) i++;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else if (c === '{' || c === '}' || c === ';') (tokens.push({ t: c, line, quoted: false }), i++);
    else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ConfError(`unexpected end of file, expecting ";" or "}" in ${file}:${line}`);
      tokens.push({ t: text.slice(i + 1, end), line, quoted: true });
      line += (text.slice(i, end).match(/\n/g) ?? []).length;
      i = end + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s{};#"']/.test(text[j])) j++;
      tokens.push({ t: text.slice(i, j), line, quoted: false });
      i = j;
    }
  }
  let pos = 0;
  const block = (nested: boolean): Directive[] => {
    const out: Directive[] = [];
    while (pos < tokens.length) {
      const tok = tokens[pos];
      if (!tok.quoted && tok.t === '}') {
        if (!nested) throw new ConfError(`unexpected "}" in ${file}:${tok.line}`);
        pos++;
        return out;
      }
      const d: Directive = { name: tok.t, args: [], line: tok.line };
      pos++;
      for (;;) {
        const next = tokens[pos];
        if (!next) throw new ConfError(`unexpected end of file, expecting ";" or "}" in ${file}:${tok.line}`);
        pos++;
        if (!next.quoted && next.t === ';') break;
        if (!next.quoted && next.t === '{') {
          d.block = block(true);
          break;
        }
        if (!next.quoted && next.t === '}') throw new ConfError(`unexpected "}" in ${file}:${next.line}`);
        d.args.push(next.t);
      }
      out.push(d);
    }
    if (nested) throw new ConfError(`unexpected end of file, expecting "}" in ${file}:${line}`);
    return out;
  };
  return block(false);
}

const unsupported = (d: Directive, file: string) => new ConfError(`unknown directive "${d.name}" in ${file}:${d.line} (the sandbox's nginx serves listen, server_name, location and return only)`);

/** nginx.conf → its servers; throws ConfError with nginx's message. */
export function parseNginxConf(text: string, file = NGINX_CONF): NginxServer[] {
  const servers: NginxServer[] = [];
  for (const top of parseBlocks(text, file)) {
    if (['user', 'worker_processes', 'error_log', 'pid'].includes(top.name) && !top.block) continue;
    if (top.name === 'events' && top.block) continue;
    if (top.name !== 'http' || !top.block) throw unsupported(top, file);
    for (const h of top.block) {
      if (h.name !== 'server' || !h.block) throw unsupported(h, file);
      const server: NginxServer = { port: 80, locations: [] };
      for (const s of h.block) {
        if (s.name === 'listen' && s.args.length === 1) {
          const port = Number(s.args[0].split(':').pop());
          if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfError(`invalid port in "${s.args[0]}" of the "listen" directive in ${file}:${s.line}`);
          server.port = port;
        } else if (s.name === 'server_name' && !s.block) continue;
        else if (s.name === 'location' && s.block && (s.args.length === 1 || (s.args.length === 2 && s.args[0] === '='))) {
          const ret = s.block.find((x) => x.name === 'return');
          const other = s.block.find((x) => x.name !== 'return');
          if (other) throw unsupported(other, file);
          const status = Number(ret?.args[0]);
          if (!ret || ret.args.length < 1 || ret.args.length > 2 || !Number.isInteger(status) || status < 100 || status > 999)
            throw new ConfError(`invalid return code "${ret?.args[0] ?? ''}" in ${file}:${ret?.line ?? s.line}`);
          server.locations.push({ exact: s.args.length === 2, path: s.args.at(-1)!, status, text: ret.args[1] });
        } else throw unsupported(s, file);
      }
      servers.push(server);
      if (servers.length > MAX_SERVERS) throw new ConfError(`more than ${MAX_SERVERS} servers in ${file}`);
    }
  }
  return servers;
}

/** nginx's own error page for a bodiless `return CODE;`. */
function errorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx/${NGINX_VERSION}</center>\r\n</body>\r\n</html>\r\n`;
}

export function answer(server: NginxServer, req: AppRequest): AppResponse {
  const exact = server.locations.find((l) => l.exact && l.path === req.path);
  const prefix = server.locations.filter((l) => !l.exact && req.path.startsWith(l.path)).sort((a, b) => b.path.length - a.path.length)[0];
  const loc = exact ?? prefix;
  const status = loc?.status ?? 404;
  const headers = { server: `nginx/${NGINX_VERSION}` };
  if (loc?.text !== undefined) return { status, headers: { ...headers, 'content-type': 'text/plain' }, body: loc.text };
  return { status, headers: { ...headers, 'content-type': 'text/html' }, body: status >= 300 ? errorPage(status) : '' };
}

/** `nginx [-t] [-g 'daemon off;']`: test the config, or serve it until the container stops. */
export const nginxProgram: Program = async (p) => {
  const testOnly = p.argv.includes('-t');
  const raw = p.fs.read(NGINX_CONF);
  if (!raw) {
    p.stderr.write(`nginx: [emerg] open() "${NGINX_CONF}" failed (2: No such file or directory)\n`);
    return 1;
  }
  let servers: NginxServer[];
  try {
    if (raw.length > MAX_CONF_BYTES) throw new ConfError(`${NGINX_CONF} is larger than the sandbox's ${MAX_CONF_BYTES} bytes`);
    servers = parseNginxConf(raw.toString('utf8'));
  } catch (err) {
    if (!(err instanceof ConfError)) throw err;
    p.stderr.write(`nginx: [emerg] ${err.message}\n`);
    if (testOnly) p.stderr.write(`nginx: configuration file ${NGINX_CONF} test failed\n`);
    return 1;
  }
  if (testOnly) {
    p.stderr.write(`nginx: the configuration file ${NGINX_CONF} syntax is ok\nnginx: configuration file ${NGINX_CONF} test is successful\n`);
    return 0;
  }
  const workloads: Workload[] = servers.map((s) => httpWorkload(p.container, s.port, (req) => answer(s, req)));
  try {
    for (const w of workloads) await w.start();
  } catch (err) {
    p.stderr.write(`nginx: [emerg] bind() failed (${(err as Error).message})\n`);
    await Promise.all(workloads.map((w) => w.stop()));
    return 1;
  }
  await new Promise<void>((resolve) => (p.signal.aborted ? resolve() : p.signal.addEventListener('abort', () => resolve(), { once: true })));
  await Promise.all(workloads.map((w) => w.stop()));
  return 0;
};
