// Tab completion for a terminal line: the word under the cursor against what could stand there — a program name;
// for kubectl a subcommand, a flag of that subcommand (from the policy's allow-list), an output format, a resource
// kind the session's cluster serves (plural and short names, CRDs included), then names of the session's objects of
// the kind already typed (`deploy rev`, `deploy/rev`, `pod/…`); for the built-ins their own words (stat
// deployments|routes, load status|stop, tap deploy/NAME, --from WORKLOAD, a Service URL); after -f, `-` and the
// upstream samples the terminal mirrors. Bounded: at most
// MAX_CANDIDATES, discovery read once a minute per session, one list call per Tab, each with a deadline.
import type { Schemas } from '../api/types.js';
import { ResourceDiscovery, resourcePath, type ApiResourceType } from '../kube/discovery.js';
import type { ActiveSession } from '../sessions/active-session.js';
import { KUBECTL_OUTPUT_FORMATS, KUBECTL_SUBCOMMANDS, kubectlFlags } from './kubectl-policy.js';
import { mirroredNames } from './upstream-mirror.js';

export const MAX_CANDIDATES = 100;
const DISCOVERY_TTL_MS = 60_000;
const LIST_TIMEOUT_MS = 5000;
/** Objects listed per Tab (names are filtered by the typed prefix after). */
const LIST_LIMIT = 500;

export interface CompletionContext {
  session: ActiveSession;
  programs: string[];
  signal: AbortSignal;
}

/** Second words of kubectl subcommands that take one. */
const ACTIONS: Record<string, string[]> = {
  rollout: ['history', 'pause', 'restart', 'resume', 'status', 'undo'],
  set: ['env', 'image', 'resources', 'selector', 'serviceaccount', 'subject'],
  auth: ['can-i', 'whoami'],
  create: ['configmap', 'deployment', 'job', 'namespace', 'role', 'rolebinding', 'secret', 'service', 'serviceaccount'],
};
/** Subcommands whose positionals are TYPE NAME… or TYPE/NAME (after their action, if any). */
const TYPED = new Set(['get', 'describe', 'delete', 'label', 'annotate', 'patch', 'scale', 'explain', 'wait', 'rollout', 'expose', 'set', 'events']);
/** Subcommands whose first positional is a pod or TYPE/NAME. */
const POD_FIRST = new Set(['logs', 'exec']);

interface BuiltinWords {
  words?: string[];
  flags?: string[];
  /** Offer `deploy/NAME` (tap) as a positional. */
  deployments?: boolean;
  /** Offer http://service:port/ (curl, load, bench). */
  urls?: boolean;
}
const BUILTIN_WORDS: Record<string, BuiltinWords> = {
  stat: { words: ['deployments', 'routes'] },
  load: { words: ['status', 'stop', '10rps', '50rps', '100rps', '10s', '30s', '60s'], flags: ['--from', '-H', '--header'], urls: true },
  tap: { flags: ['--max', '--duration', '--path'], deployments: true },
  curl: { flags: ['-X', '--request', '-H', '--header', '-d', '--data', '--data-raw', '--json', '-i', '--include', '-v', '--verbose', '-s', '--silent', '--from', '-m', '--max-time'], urls: true },
  bench: { flags: ['-c', '--rps', '-t', '-g', '--no-sidecar', '--h2', '--grpc', '--streams', '--grpc-method'], urls: true },
};
const BUILTIN_VALUE_FLAGS = new Set(['--from', '-H', '--header', '-X', '--request', '-d', '--data', '--data-raw', '--json', '-m', '--max-time', '--max', '--duration', '--path', '-c', '--rps', '-t', '-g']);

const discoveries = new WeakMap<ActiveSession, { at: number; discovery: ResourceDiscovery }>();

/** The session's discovery (as its own credentials see it), read at most once a minute. */
async function sessionTypes(session: ActiveSession): Promise<readonly ApiResourceType[]> {
  let entry = discoveries.get(session);
  if (!entry || Date.now() - entry.at > DISCOVERY_TTL_MS) {
    entry = { at: Date.now(), discovery: new ResourceDiscovery(session.kube) };
    discoveries.set(session, entry);
  }
  return entry.discovery.all();
}

function typeNames(types: readonly ApiResourceType[], namespacedOnly: boolean): string[] {
  return types.filter((t) => (!namespacedOnly || t.namespaced) && t.verbs.includes('list')).flatMap((t) => [t.plural, ...t.shortNames]);
}

function typeByName(types: readonly ApiResourceType[], name: string): ApiResourceType | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot >= 0 ? lower.slice(0, dot) : lower;
  const group = dot >= 0 ? lower.slice(dot + 1) : undefined;
  return types.find((t) => (group === undefined || t.group === group) && (t.plural === base || t.singular === base || t.kind.toLowerCase() === base || t.shortNames.includes(base)));
}

async function objectNames(ctx: CompletionContext, type: ApiResourceType): Promise<string[]> {
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(LIST_TIMEOUT_MS)]);
  const list = await ctx.session.kube.json<{ items?: { metadata?: { name?: string } }[] }>({ path: resourcePath(type, ctx.session.namespace), query: { limit: LIST_LIMIT }, signal, timeoutMs: LIST_TIMEOUT_MS });
  return (list.items ?? []).map((i) => i.metadata?.name).filter((n): n is string => typeof n === 'string');
}

async function namesOf(ctx: CompletionContext, kind: string): Promise<string[]> {
  const type = typeByName(await sessionTypes(ctx.session), kind);
  return type ? objectNames(ctx, type) : [];
}

/** Service URLs a workload can call: http://NAME:PORT/ for each port of each Service of the session. */
async function serviceUrls(ctx: CompletionContext): Promise<string[]> {
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(LIST_TIMEOUT_MS)]);
  const list = await ctx.session.kube.json<{ items?: { metadata?: { name?: string }; spec?: { ports?: { port?: number }[] } }[] }>({
    path: `/api/v1/namespaces/${encodeURIComponent(ctx.session.namespace)}/services`,
    query: { limit: LIST_LIMIT },
    signal,
    timeoutMs: LIST_TIMEOUT_MS,
  });
  return (list.items ?? []).flatMap((s) => (s.spec?.ports ?? []).map((p) => `http://${s.metadata?.name}:${p.port}/`));
}

/** `TYPE/NAME` words for the object names of the kind before the slash. */
async function slashNames(ctx: CompletionContext, word: string): Promise<string[]> {
  const slash = word.indexOf('/');
  const kind = word.slice(0, slash);
  return (await namesOf(ctx, kind)).map((n) => `${kind}/${n}`);
}

/** Positional words typed so far (flag values skipped), for a kubectl subcommand. */
function kubectlPositionals(sub: string, words: string[]): { positionals: string[]; pendingFlag?: string } {
  const flags = kubectlFlags(sub);
  const takes = (w: string) => {
    if (w.startsWith('--')) return !w.includes('=') && flags.some((f) => f.long === w.slice(2) && f.takesValue);
    const last = w.at(-1);
    return w.length === 2 && flags.some((f) => f.short === last && f.takesValue);
  };
  const positionals: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '--') break;
    if (w.startsWith('-') && w !== '-') {
      if (takes(w)) {
        if (i + 1 >= words.length) return { positionals, pendingFlag: w };
        i++;
      }
      continue;
    }
    positionals.push(w);
  }
  return { positionals };
}

async function kubectlPool(ctx: CompletionContext, words: string[], word: string): Promise<string[]> {
  if (words.length === 0) return [...KUBECTL_SUBCOMMANDS];
  const sub = words[0];
  if (!KUBECTL_SUBCOMMANDS.has(sub)) return [];
  const { positionals, pendingFlag } = kubectlPositionals(sub, words.slice(1));
  if (pendingFlag === '-o' || pendingFlag === '--output') return [...KUBECTL_OUTPUT_FORMATS];
  if (pendingFlag === '-n' || pendingFlag === '--namespace') return [ctx.session.namespace];
  if (pendingFlag === '-f' || pendingFlag === '--filename') return ['-', ...mirroredNames()];
  if (pendingFlag) return [];
  if (word.startsWith('-')) {
    if (word.startsWith('--output=')) return KUBECTL_OUTPUT_FORMATS.map((f) => `--output=${f}`);
    return kubectlFlags(sub).flatMap((f) => [`--${f.long}`, ...(f.short && word.length <= 2 ? [`-${f.short}`] : [])]);
  }
  let rest = positionals;
  const actions = ACTIONS[sub];
  if (actions) {
    if (rest.length === 0) return actions;
    if (sub === 'create' || sub === 'auth') return [];
    rest = rest.slice(1);
  }
  const types = await sessionTypes(ctx.session);
  if (POD_FIRST.has(sub)) {
    if (rest.length > 0) return [];
    if (word.includes('/')) return slashNames(ctx, word);
    return [...(await namesOf(ctx, 'pods')), 'deploy/', 'pod/'];
  }
  if (!TYPED.has(sub)) return [];
  if (rest.length === 0) {
    if (word.includes('/')) return sub === 'explain' ? [] : slashNames(ctx, word);
    return typeNames(types, sub !== 'explain');
  }
  if (sub === 'explain' || rest[0].includes('/')) return word.includes('/') ? slashNames(ctx, word) : [];
  // TYPE NAME…: names of that kind.
  return namesOf(ctx, rest[0].split(',')[0]);
}

async function builtinPool(ctx: CompletionContext, program: string, words: string[], word: string): Promise<string[]> {
  const spec = BUILTIN_WORDS[program];
  if (!spec) return [];
  const previous = words.at(-1);
  if (previous === '--from') return namesOf(ctx, 'deployments');
  if (previous !== undefined && BUILTIN_VALUE_FLAGS.has(previous)) return [];
  if (word.startsWith('-')) return spec.flags ?? [];
  if (spec.deployments && word.includes('/')) return (await namesOf(ctx, 'deployments')).map((n) => `deploy/${n}`);
  const pool = [...(spec.words && (program !== 'stat' || words.length === 0) && (program !== 'load' || words.length === 0 || !['status', 'stop'].includes(words[0])) ? spec.words : [])];
  if (spec.deployments) pool.push('deploy/');
  if (spec.urls && (word === '' || 'http://'.startsWith(word) || word.startsWith('http://'))) pool.push(...(await serviceUrls(ctx)));
  return pool;
}

export async function completeLine(line: string, cursor: number, ctx: CompletionContext): Promise<Schemas['TerminalCompletion']> {
  const before = line.slice(0, Math.min(cursor, line.length));
  const replaceFrom = before.search(/\S*$/);
  const word = before.slice(replaceFrom);
  const previous = before.slice(0, replaceFrom).trim().split(/\s+/).filter(Boolean);
  let pool: string[] = [];
  try {
    if (previous.length === 0) pool = ['kubectl', ...ctx.programs];
    else if (previous[0] === 'kubectl') pool = await kubectlPool(ctx, previous.slice(1), word);
    else pool = await builtinPool(ctx, previous[0], previous.slice(1), word);
  } catch {
    // The cluster did not answer in time (or refused): Tab completes nothing rather than failing the line.
    pool = [];
  }
  const candidates = [...new Set(pool.filter((c) => c.startsWith(word)))].sort().slice(0, MAX_CANDIDATES);
  return { replaceFrom, candidates };
}
