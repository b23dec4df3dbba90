// Where the terminal's kubectl runs, so that a flag that reads a file finds nothing of the server.
// Preferred: Debian's bubblewrap — a new root holding read-only /usr (the kubectl binary is there or is bound
// in), a private tmpfs home with only the session's kubeconfig (and kubectl's own discovery cache for the
// session), no /etc but the name-resolution files, a /proc of its own pid namespace, every namespace
// unshared except the network (kubectl must reach the API server), a cleared environment, and a new
// session. Probed once at startup by running `kubectl version --client` inside it; when that fails (no bwrap,
// no user namespaces in a container), the fallback is an unprivileged user (`nobody`, when the server runs
// as root) with the session's private 0700 directory — weaker (world-readable files stay readable), and
// the server's startup log says so.
import { spawn, type SpawnOptions } from 'node:child_process';
import { accessSync, chownSync, constants, readFileSync, realpathSync } from 'node:fs';
import type { Logger } from 'pino';
import type { MirroredFile } from './upstream-mirror.js';

export const BWRAP_PATH = '/usr/bin/bwrap';
/** Inside the bubblewrap root: the learner's home, which holds only the session's kubeconfig. */
const SANDBOX_HOME = '/home/learner';
const SANDBOX_KUBECONFIG = `${SANDBOX_HOME}/.kube/config`;
const SANDBOX_CACHE = `${SANDBOX_HOME}/.kube/cache`;
/** Files kubectl needs to resolve a cluster's host name (a real cluster); none holds a secret. */
const NAME_RESOLUTION_FILES = ['/etc/hosts', '/etc/resolv.conf', '/etc/nsswitch.conf', '/etc/ssl/certs'];
const PROBE_TIMEOUT_MS = 10_000;

export interface TerminalWorkDir {
  /** The session's private directory (0700): kubeconfig and kubectl's cache. */
  dir: string;
  kubeconfigPath: string;
  cacheDir: string;
}

export interface KubectlLaunch {
  command: string;
  args: string[];
  options: SpawnOptions;
}

export interface KubectlIsolation {
  kind: 'bubblewrap' | 'unprivileged-user' | 'private-directory';
  /** One line for the startup log. */
  description: string;
  /** `files`: mirrored upstream manifests the argv names by their sandboxPath (bound read-only, or renamed to the host copy). */
  launch(kubectlPath: string, args: string[], work: TerminalWorkDir, files?: readonly MirroredFile[]): KubectlLaunch;
  /** Called once when a session's directory is made (the fallback hands it to the unprivileged user). */
  prepare(work: TerminalWorkDir): void;
}

const BASE_ENV = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', TERM: 'dumb' };

/** The bubblewrap command line for one kubectl run (exported for the isolation test). */
export function bubblewrapArgs(kubectlPath: string, args: string[], work: TerminalWorkDir, files: readonly MirroredFile[] = []): string[] {
  const binary = realpathSync(kubectlPath);
  const underUsr = (p: string) => p.startsWith('/usr/');
  const argv = [
    '--unshare-all', '--unshare-user', '--share-net', '--uid', '65534', '--gid', '65534',
    '--die-with-parent', '--new-session', '--clearenv',
    '--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin',
    '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp',
    '--tmpfs', SANDBOX_HOME,
    '--ro-bind', work.kubeconfigPath, SANDBOX_KUBECONFIG,
    '--bind', work.cacheDir, SANDBOX_CACHE,
  ];
  for (const file of NAME_RESOLUTION_FILES) argv.push('--ro-bind-try', file, file);
  for (const file of files) argv.push('--ro-bind', file.hostPath, file.sandboxPath);
  if (!underUsr(binary)) argv.push('--ro-bind', binary, binary);
  // A symlink under /usr (Debian's /usr/bin/kubectl) still resolves inside; anything else runs by its real path.
  const exec = underUsr(kubectlPath) ? kubectlPath : binary;
  for (const [k, v] of Object.entries({ ...BASE_ENV, HOME: SANDBOX_HOME, KUBECONFIG: SANDBOX_KUBECONFIG, KUBECACHEDIR: SANDBOX_CACHE })) argv.push('--setenv', k, v);
  argv.push('--chdir', SANDBOX_HOME, exec, ...args);
  return argv;
}

function bubblewrap(): KubectlIsolation {
  return {
    kind: 'bubblewrap',
    description: 'bubblewrap: a new root with read-only /usr and a home holding only the session kubeconfig; no /etc, no host /proc, namespaces unshared but the network',
    prepare: () => undefined,
    launch: (kubectlPath, args, work, files) => ({ command: BWRAP_PATH, args: bubblewrapArgs(kubectlPath, args, work, files), options: { cwd: work.dir, env: {} } }),
  };
}

function nobodyIds(): { uid: number; gid: number } {
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    if (uid && gid) return { uid: Number(uid), gid: Number(gid) };
  } catch {
    // fall through to the conventional ids
  }
  return { uid: 65534, gid: 65534 };
}

function directEnv(work: TerminalWorkDir): NodeJS.ProcessEnv {
  return { ...BASE_ENV, HOME: work.dir, KUBECONFIG: work.kubeconfigPath, KUBECACHEDIR: work.cacheDir };
}

/** Without a new root, kubectl reads a mirrored file at its host path (the vendored copies are world-readable). */
function hostPaths(args: string[], files: readonly MirroredFile[] = []): string[] {
  return args.map((a) => {
    const file = files.find((f) => a === `--filename=${f.sandboxPath}`);
    return file ? `--filename=${file.hostPath}` : a;
  });
}

function fallback(): KubectlIsolation {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root) {
    const ids = nobodyIds();
    return {
      kind: 'unprivileged-user',
      description: `no bubblewrap: kubectl runs as nobody (uid ${ids.uid}) in the session's private 0700 directory; world-readable server files stay readable to it (the flag allow-list is then the main wall)`,
      prepare: (work) => {
        for (const p of [work.dir, work.kubeconfigPath, work.cacheDir]) chownSync(p, ids.uid, ids.gid);
      },
      launch: (kubectlPath, args, work, files) => ({ command: kubectlPath, args: hostPaths(args, files), options: { cwd: work.dir, env: directEnv(work), uid: ids.uid, gid: ids.gid } }),
    };
  }
  return {
    kind: 'private-directory',
    description: "no bubblewrap and not root: kubectl runs as the server's own user in the session's private 0700 directory; files the server can read stay readable to it (the flag allow-list is then the main wall)",
    prepare: () => undefined,
    launch: (kubectlPath, args, work, files) => ({ command: kubectlPath, args: hostPaths(args, files), options: { cwd: work.dir, env: directEnv(work) } }),
  };
}

function run(launch: KubectlLaunch): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(launch.command, launch.args, { ...launch.options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (c: Buffer) => (output = (output + c.toString()).slice(-2000));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, output: err.message });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * Chooses how kubectl runs on this machine, once: bubblewrap when a trivial kubectl run works inside it,
 * the fallback otherwise. `probeDir` is a scratch TerminalWorkDir (an empty kubeconfig is enough).
 */
export async function probeIsolation(kubectlPath: string, probeDir: TerminalWorkDir, log?: Logger, bwrapPath = BWRAP_PATH): Promise<KubectlIsolation> {
  let reason: string;
  try {
    accessSync(bwrapPath, constants.X_OK);
    const bw = bubblewrap();
    const r = await run({ ...bw.launch(kubectlPath, ['version', '--client'], probeDir), command: bwrapPath });
    if (r.code === 0 && /Client Version/.test(r.output)) {
      log?.info({ isolation: bw.kind }, `terminal isolation: ${bw.description}`);
      return bw;
    }
    reason = `bubblewrap is installed but a trial run failed (${r.output.trim().split('\n').at(-1)?.slice(0, 200) ?? `exit ${r.code}`})`;
  } catch {
    reason = `bubblewrap (${bwrapPath}) is not installed`;
  }
  const fb = fallback();
  log?.warn({ isolation: fb.kind, reason }, `terminal isolation: ${reason}; ${fb.description}`);
  return fb;
}
