// Which kubectl invocations the terminal runs. kubectl gets the session's namespace-scoped kubeconfig, so
// the cluster refuses other namespaces anyway; this policy keeps kubectl from touching the server itself:
// no reading or writing local files (-f, --from-file, *-file outputs, caches, logs), no switching
// credentials or servers, nothing interactive, and only subcommands that make sense here.
import { ApiError } from '../api/errors.js';

export const KUBECTL_SUBCOMMANDS = new Set([
  'get', 'describe', 'apply', 'create', 'delete', 'logs', 'rollout', 'scale', 'label', 'annotate', 'patch', 'explain',
  'api-resources', 'api-versions', 'version', 'wait', 'events', 'auth', 'set', 'expose', 'run', 'cluster-info',
]);

const DENIED_LONG = new Set([
  '--kubeconfig', '--token', '--server', '--as', '--as-group', '--as-uid', '--context', '--cluster', '--user', '--username', '--password',
  '--certificate-authority', '--client-certificate', '--client-key', '--insecure-skip-tls-verify', '--tls-server-name', '--cache-dir',
  '--log-file', '--log-dir', '--log-backtrace-at', '--profile', '--profile-output', '--filename', '--kustomize', '--recursive',
  '--stdin', '--tty', '--attach', '--edit', '--log-flush-frequency',
]);

/** Short flags whose first letter means a file, a server or a TTY in kubectl. */
const DENIED_SHORT_LEADS = new Set(['f', 'k', 's', 'i', 't', 'R']);

function refuse(message: string): ApiError {
  return new ApiError(403, 'CommandRefused', message);
}

/** Throws CommandRefused naming the problem; returns the args unchanged when allowed. */
export function checkKubectlArgs(args: string[]): string[] {
  const sub = args[0];
  if (sub === undefined) throw refuse('kubectl needs a command, e.g. "kubectl get pods" (try "help")');
  if (sub.startsWith('-')) throw refuse('put the command first, e.g. "kubectl get pods -o wide"');
  if (!KUBECTL_SUBCOMMANDS.has(sub))
    throw refuse(`"kubectl ${sub}" is not available in this terminal; available: ${[...KUBECTL_SUBCOMMANDS].sort().join(', ')}. Use your own kubectl with the session kubeconfig for anything else`);
  for (let i = 1; i < args.length; i++) {
    const w = args[i];
    const prev = args[i - 1];
    if ((prev === '-o' || prev === '--output') && /file/i.test(w)) throw refuse(`output formats that read files (${w}) are not available here; put the template inline (-o jsonpath='{…}')`);
    if (!w.startsWith('-') || w === '-') continue;
    if (w.startsWith('--')) {
      const name = w.split('=')[0];
      if (DENIED_LONG.has(name)) throw refuse(`${name} is not available in this terminal (it would read or write the server's files or switch credentials); the terminal is already connected to your session`);
      if (/file|kustomiz/i.test(name) || /file=/i.test(w)) throw refuse(`${name}: this terminal cannot read files on the server; apply manifests from the editor (applyResources)`);
      continue;
    }
    const letters = w.slice(1).split('=')[0];
    if (sub === 'logs' && w === '-f') continue; // follow, not a file
    if (DENIED_SHORT_LEADS.has(letters[0]))
      throw refuse(`${w.slice(0, 3)}: files (-f, -k), servers (-s) and interactive flags (-i, -t) are not available in this terminal; apply manifests from the editor`);
    if (/file/i.test(w)) throw refuse(`${w}: this terminal cannot read files on the server`);
  }
  return args;
}
