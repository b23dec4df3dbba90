// Which kubectl invocations the terminal runs: an allow-list parser, not a deny-list. Every subcommand has
// the flags that are safe here (none reads or writes a local file, switches credentials or servers, or is
// interactive); a word is parsed the way kubectl's flag library (pflag) parses it — `--flag=value`,
// `--flag value`, combined short flags (`-wo json`, `-ojson`, `-o=json`) and `--` — and anything not on the
// list is refused naming the flag. kubectl then receives the canonical form of what was checked
// (`--flag=value` words), so what it parses is exactly what was allowed. The process itself also runs
// isolated (isolation.ts): this list is the first wall, not the only one. The one file flag, `-f`/`--filename` of
// apply|create|replace|delete|diff, takes only `-` (the line's stdin: a pasted manifest) or an upstream file the
// terminal mirrors (upstream-mirror.ts).
import { ApiError } from '../api/errors.js';
import { mirroredFile, type MirroredFile } from './upstream-mirror.js';

type ValueCheck = (value: string, flag: string) => void;
interface FlagSpec {
  long: string;
  short?: string;
  /** A boolean flag takes no value (`--watch`, `--watch=false`); otherwise the value is checked. */
  bool?: boolean;
  check?: ValueCheck;
}

function refuse(message: string): ApiError {
  return new ApiError(403, 'CommandRefused', message);
}

/** The subcommands whose -f reads a manifest: from stdin (`-f -`) or the upstream mirror. */
export const STDIN_SUBCOMMANDS = ['apply', 'create', 'replace', 'delete', 'diff'] as const;
const FILE_HINT = `kubectl ${STDIN_SUBCOMMANDS.join('|')} take -f - with a pasted manifest (kubectl apply -f - <<EOF … EOF) or a mirrored upstream sample; the editor applies manifests too`;

/** Output formats that print what the cluster returned; every `*-file` format reads a local file and is refused. */
const OUTPUT_FORMATS = ['json', 'yaml', 'wide', 'name', 'jsonpath', 'jsonpath-as-json', 'custom-columns', 'go-template', 'template'];
const INLINE_ONLY = new Set(['jsonpath-as-json', 'custom-columns']); // need `=…`

const checkOutput: ValueCheck = (value, flag) => {
  const eq = value.indexOf('=');
  const format = eq < 0 ? value : value.slice(0, eq);
  if (!OUTPUT_FORMATS.includes(format) || (eq < 0 && INLINE_ONLY.has(format)))
    throw refuse(`${flag} ${value.slice(0, 40)}: output format "${format.slice(0, 40)}" is not available in this terminal (formats that read files on the server never are); use one of ${OUTPUT_FORMATS.join(', ')} with an inline template, e.g. -o jsonpath='{.items[*].metadata.name}'`);
};
const oneOf =
  (...allowed: string[]): ValueCheck =>
  (value, flag) => {
    if (!allowed.includes(value)) throw refuse(`${flag}=${value.slice(0, 40)} is not available here; use one of ${allowed.join(', ')}`);
  };
const apiPath: ValueCheck = (value, flag) => {
  if (!value.startsWith('/')) throw refuse(`${flag} takes an API path such as /api/v1/namespaces/<your namespace>/pods, not "${value.slice(0, 40)}"`);
};

const f = (long: string, short?: string, check?: ValueCheck): FlagSpec => ({ long, short, check });
const b = (long: string, short?: string): FlagSpec => ({ long, short, bool: true });

const GLOBAL = [f('namespace', 'n'), f('request-timeout'), b('help', 'h')];
const OUTPUT = [f('output', 'o', checkOutput), f('template'), b('allow-missing-template-keys'), b('show-managed-fields')];
const DRY_RUN = f('dry-run', undefined, oneOf('none', 'client', 'server'));
const WRITE = [DRY_RUN, f('field-manager'), ...OUTPUT];
const SELECT = [f('selector', 'l'), f('field-selector'), b('all-namespaces', 'A')];
/** Checked apart (checkKubectlLine): `-` or a mirrored upstream file. */
const FILENAME = f('filename', 'f');

const FLAGS: Record<string, FlagSpec[]> = {
  get: [...OUTPUT, ...SELECT, b('watch', 'w'), b('watch-only'), b('output-watch-events'), b('show-labels'), f('label-columns', 'L'), f('sort-by'), b('no-headers'), b('show-kind'), f('chunk-size'), b('ignore-not-found'), f('raw', undefined, apiPath), f('subresource')],
  describe: [...SELECT, b('show-events'), f('chunk-size')],
  apply: [FILENAME, b('server-side'), b('force-conflicts'), ...WRITE, b('overwrite'), b('wait'), f('timeout'), f('selector', 'l')],
  create: [FILENAME, ...WRITE, b('save-config'), f('image'), f('replicas', 'r'), f('port'), f('from-literal'), f('type'), f('tcp'), f('from'), f('schedule'), f('restart'), f('verb'), f('resource'), f('resource-name'), f('role'), f('clusterrole'), f('serviceaccount'), f('user'), f('group'), f('docker-server'), f('docker-username'), f('docker-password'), f('docker-email'), f('class'), f('rule'), f('selector'), f('min-available'), f('max-unavailable'), f('value'), f('description')],
  delete: [FILENAME, ...SELECT, b('all'), f('grace-period'), b('now'), b('force'), b('wait'), f('timeout'), b('ignore-not-found'), f('cascade', undefined, oneOf('background', 'foreground', 'orphan', 'true', 'false')), f('output', 'o', oneOf('name')), DRY_RUN],
  replace: [FILENAME, b('force'), f('grace-period'), f('cascade', undefined, oneOf('background', 'foreground', 'orphan', 'true', 'false')), b('wait'), f('timeout'), b('save-config'), f('subresource'), ...WRITE],
  diff: [FILENAME, b('server-side'), b('force-conflicts'), f('field-manager'), f('selector', 'l'), b('show-managed-fields'), f('concurrency')],
  logs: [b('follow', 'f'), f('container', 'c'), f('tail'), f('since'), f('since-time'), b('timestamps'), b('previous', 'p'), b('all-containers'), f('selector', 'l'), b('prefix'), f('limit-bytes'), f('max-log-requests'), b('ignore-errors'), f('pod-running-timeout')],
  rollout: [b('watch', 'w'), f('revision'), f('timeout'), f('to-revision'), f('selector', 'l'), ...WRITE],
  scale: [f('replicas'), f('current-replicas'), f('resource-version'), f('selector', 'l'), b('all'), f('timeout'), ...WRITE],
  label: [b('overwrite'), b('all'), b('all-namespaces', 'A'), f('selector', 'l'), f('field-selector'), b('list'), f('resource-version'), ...WRITE],
  annotate: [b('overwrite'), b('all'), b('all-namespaces', 'A'), f('selector', 'l'), f('field-selector'), b('list'), f('resource-version'), ...WRITE],
  patch: [f('patch', 'p'), f('type', undefined, oneOf('json', 'merge', 'strategic')), f('subresource'), ...WRITE],
  explain: [b('recursive'), f('api-version'), f('output', 'o', oneOf('plaintext', 'plaintext-openapiv2'))],
  'api-resources': [b('namespaced'), f('verbs'), f('api-group'), f('output', 'o', oneOf('wide', 'name')), b('no-headers'), f('sort-by'), b('cached')],
  'api-versions': [],
  version: [b('client'), f('output', 'o', oneOf('json', 'yaml'))],
  wait: [f('for'), f('timeout'), f('selector', 'l'), b('all'), b('all-namespaces', 'A'), f('field-selector'), ...OUTPUT],
  events: [f('for'), f('types'), b('watch', 'w'), b('all-namespaces', 'A'), b('no-headers'), ...OUTPUT],
  auth: [b('list'), b('all-namespaces', 'A'), b('no-headers'), f('subresource'), b('quiet', 'q'), ...OUTPUT],
  set: [f('containers', 'c'), f('env', 'e'), f('from'), f('keys'), b('list'), f('prefix'), f('limits'), f('requests'), b('all'), f('selector', 'l'), b('overwrite'), b('resolve'), ...WRITE],
  expose: [f('port'), f('target-port'), f('name'), f('type'), f('protocol'), f('selector'), f('labels', 'l'), f('cluster-ip'), f('session-affinity'), b('save-config'), ...WRITE],
  run: [f('image'), f('port'), f('env'), f('labels', 'l'), f('restart', undefined, oneOf('Always', 'OnFailure', 'Never')), b('command'), b('expose'), f('annotations'), f('overrides'), f('image-pull-policy'), f('serviceaccount'), b('privileged'), ...WRITE],
  'cluster-info': [],
  // The command runs in the pod, through the API (pods/exec as the session's Role allows), never on the server;
  // without -i/-t it is one request and its output, like any other line.
  exec: [f('container', 'c'), f('pod-running-timeout'), b('quiet', 'q')],
};

/** Second words that are refused although the subcommand is allowed. */
const REFUSED_ACTIONS: Record<string, Record<string, string>> = {
  'cluster-info': { dump: 'writes files on the server' },
  apply: { 'edit-last-applied': 'is interactive', 'set-last-applied': 'reads a file' },
  auth: { reconcile: 'reads a file' },
};

export const KUBECTL_SUBCOMMANDS = new Set(Object.keys(FLAGS));

/** A subcommand's allowed flags (for Tab completion): long and short names, and whether each takes a value. */
export function kubectlFlags(sub: string): { long: string; short?: string; takesValue: boolean }[] {
  if (!Object.hasOwn(FLAGS, sub)) return [];
  const seen = new Set<string>();
  return [...GLOBAL, ...FLAGS[sub]].filter((s) => !seen.has(s.long) && seen.add(s.long)).map((s) => ({ long: s.long, short: s.short, takesValue: !s.bool }));
}

/** The values `-o` accepts here (the ones that need `=…` are written with it). */
export const KUBECTL_OUTPUT_FORMATS: readonly string[] = OUTPUT_FORMATS.map((f) => (INLINE_ONLY.has(f) ? `${f}=` : f));

/** Why a flag a learner might try is missing, to say so in the refusal. */
function whyRefused(sub: string, name: string): string {
  if (['filename', 'kustomize', 'recursive', 'from-file', 'from-env-file', 'patch-file', 'output-directory'].includes(name) || (name === 'f' && sub !== 'logs') || name === 'k' || name === 'R')
    return `this terminal cannot read files on the server; ${FILE_HINT}`;
  if (['kubeconfig', 'token', 'server', 's', 'as', 'as-group', 'as-uid', 'context', 'cluster', 'user', 'username', 'password', 'certificate-authority', 'client-certificate', 'client-key', 'insecure-skip-tls-verify', 'tls-server-name'].includes(name))
    return 'the terminal is already connected to your session; credentials and servers cannot be switched';
  if (['stdin', 'i', 'tty', 't', 'attach', 'edit', 'rm'].includes(name)) return 'this terminal is not interactive';
  if (['cache-dir', 'log-file', 'log-dir', 'profile', 'profile-output', 'v', 'vmodule'].includes(name)) return 'it would write files or logs on the server';
  return 'it is not on this terminal\'s list of safe flags';
}

interface Parsed {
  flags: { spec: FlagSpec; value?: string }[];
  positionals: string[];
  /** Words after `--` (a command for `run`/`create`), passed literally. */
  afterDashes: string[] | undefined;
}

function parse(sub: string, words: string[]): Parsed {
  const specs = [...GLOBAL, ...FLAGS[sub]];
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const unknown = (display: string, name: string): ApiError =>
    refuse(`kubectl ${sub}: flag ${display} is not available in this terminal (${whyRefused(sub, name)}); allowed flags: ${specs.map((s) => (s.short ? `-${s.short}/--${s.long}` : `--${s.long}`)).join(', ')}`);
  const out: Parsed = { flags: [], positionals: [], afterDashes: undefined };
  const take = (spec: FlagSpec, value: string | undefined, display: string) => {
    if (spec.bool) {
      if (value !== undefined && value !== 'true' && value !== 'false') throw refuse(`kubectl ${sub}: ${display} is a switch; it takes no value (or =true / =false)`);
    } else {
      if (value === undefined) throw refuse(`kubectl ${sub}: ${display} needs a value`);
      spec.check?.(value, display);
    }
    out.flags.push({ spec, value });
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '--') {
      out.afterDashes = words.slice(i + 1);
      break;
    }
    if (!w.startsWith('-') || w === '-') {
      out.positionals.push(w);
      continue;
    }
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const name = eq < 0 ? w.slice(2) : w.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) throw unknown(`--${name.slice(0, 40)}`, name);
      let value = eq < 0 ? undefined : w.slice(eq + 1);
      if (value === undefined && !spec.bool) {
        if (i + 1 >= words.length) throw refuse(`kubectl ${sub}: --${name} needs a value`);
        value = words[++i];
      }
      take(spec, value, `--${name}`);
      continue;
    }
    // A cluster of short flags: booleans until one that takes a value, which takes the rest (or the next word).
    const letters = w.slice(1);
    for (let j = 0; j < letters.length; j++) {
      const c = letters[j];
      const spec = byShort.get(c);
      if (!spec) throw unknown(`-${c}${letters.length > 1 ? ` (in ${w.slice(0, 20)})` : ''}`, c);
      if (spec.bool) {
        if (letters[j + 1] === '=') {
          take(spec, letters.slice(j + 2), `-${c}`);
          break;
        }
        take(spec, undefined, `-${c}`);
        continue;
      }
      let value = letters.slice(j + 1);
      if (value.startsWith('=')) value = value.slice(1);
      else if (value === '') {
        if (i + 1 >= words.length) throw refuse(`kubectl ${sub}: -${c} needs a value`);
        value = words[++i];
      }
      take(spec, value, `-${c}`);
      break;
    }
  }
  return out;
}

export interface CheckedKubectl {
  /** The argv kubectl runs: the subcommand, its positional words, each allowed flag as one `--long=value` word, and anything after `--`. */
  argv: string[];
  /** `-f -`: kubectl reads the line's stdin. */
  readsStdin: boolean;
  /** Upstream files named by -f, to be bound read-only into the isolation (argv names their sandboxPath). */
  files: MirroredFile[];
}

/** Throws CommandRefused naming the problem; returns what kubectl runs and what it reads. */
export function checkKubectlLine(args: string[]): CheckedKubectl {
  const sub = args[0];
  if (sub === undefined) throw refuse('kubectl needs a command, e.g. "kubectl get pods" (try "help")');
  if (sub.startsWith('-')) throw refuse('put the command first, e.g. "kubectl get pods -o wide"');
  if (!Object.hasOwn(FLAGS, sub))
    throw refuse(`"kubectl ${sub.slice(0, 40)}" is not available in this terminal; available: ${[...KUBECTL_SUBCOMMANDS].sort().join(', ')}. Use your own kubectl with the session kubeconfig for anything else`);
  const parsed = parse(sub, args.slice(1));
  const action = parsed.positionals[0];
  const refusedAction = action !== undefined && Object.hasOwn(REFUSED_ACTIONS[sub] ?? {}, action) ? REFUSED_ACTIONS[sub][action] : undefined;
  if (refusedAction) throw refuse(`"kubectl ${sub} ${action}" is not available in this terminal (it ${refusedAction})`);
  if (parsed.afterDashes && sub !== 'run' && sub !== 'create' && sub !== 'exec')
    throw refuse(`kubectl ${sub}: "--" passes a command to a container, which only "kubectl run", "kubectl create" and "kubectl exec" take here`);
  if (sub === 'exec' && !parsed.afterDashes?.length) throw refuse('kubectl exec: give the command after "--", e.g. kubectl exec deploy/curl -- curl -sS httpbin:8000/get');
  let readsStdin = false;
  const files: MirroredFile[] = [];
  const flags = parsed.flags.map(({ spec, value }) => {
    if (spec === FILENAME) {
      if (value === '-') {
        readsStdin = true;
        return '--filename=-';
      }
      const file = mirroredFile(value!, `kubectl ${sub}: flag -f`);
      files.push(file);
      return `--filename=${file.sandboxPath}`;
    }
    return spec.bool ? (value === undefined ? `--${spec.long}` : `--${spec.long}=${value}`) : `--${spec.long}=${value}`;
  });
  return { argv: [sub, ...parsed.positionals, ...flags, ...(parsed.afterDashes ? ['--', ...parsed.afterDashes] : [])], readsStdin, files };
}

/** The argv of checkKubectlLine (the policy's canonical form). */
export function checkKubectlArgs(args: string[]): string[] {
  return checkKubectlLine(args).argv;
}
