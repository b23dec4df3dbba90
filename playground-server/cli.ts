// `playground <command>`: up (everything), sandbox (only the cluster), bench (the load generator), generator (one Job pod),
// conformance (the Gateway API mesh profiles and the SMI suite against a cluster), scale-test (playground-server/scaletest/).
import { parseArgs } from 'node:util';
import { DATABASE_URL_ENV, DatabaseUrlError, parseDatabaseUrl, type DatabaseTarget } from './storage/database-url.js';

const USAGE = `Usage: playground <command> [flags]

Commands:
  up                    the embedded sandbox (with the Bookinfo sample app), the playground server and the site
                        on one URL.  Flags: --port P (default $PORT or 8080), --host H (default 127.0.0.1),
                        --data-dir D (default ./data), --kubeconfig FILE (use that cluster instead of the
                        embedded sandbox; \`in-cluster\` = the pod's ServiceAccount), --allowed-host NAME[:PORT] (repeatable: the Host names the server
                        answers to; default the loopback names; required with --host 0.0.0.0), --trust-proxy
                        (behind a reverse proxy: honour X-Forwarded-Proto/For), --sessions-per-client N
                        (live sessions per client address, default 10; raise it for a classroom behind one NAT),
                        --database URL (default $PLAYGROUND_DATABASE_URL, else SQLite in the data dir):
                        postgres://user:pass@host:5432/db for several replicas sharing one PostgreSQL,
                        sqlite:PATH or a file path for SQLite
  sandbox               only the cluster.  Flags: --port P (default 6443), --host H, --kubeconfig FILE (required),
                        --with-sample (also deploy Bookinfo)
  bench <url> [flags]   load-test a URL (see 'playground bench --help')
  bench --mesh-overhead the same load direct, through sidecars, and through sidecars with mTLS, in an embedded sandbox
  generator             one load generator of a distributed run (a Job pod's command): reads a GeneratorSpec
                        JSON from $LOADGEN_SPEC (or the first argument), prints the generator protocol's JSON
                        lines; --interactive waits for {"type":"start"} on stdin
  conformance [flags]   the Gateway API Mesh conformance profiles (MESH-HTTP, MESH-GRPC) and the SMI suite against
                        the embedded sandbox (started for the run) or --kubeconfig FILE's cluster, through the
                        Kubernetes API and pod exec only; prints a table, exits 1 if a test failed.  Flags:
                        --profile MESH-HTTP|MESH-GRPC|SMI (comma-separated or repeated; default all three),
                        --only T1,T2 / --skip T1,T2 (test names, e.g. MeshBasic, traffic-split),
                        --supported-features F1,F2 (default: every feature the sandbox mesh claims),
                        --report FILE (a Gateway API ConformanceReport, YAML), --site-data FILE (the site's conformance page data), --json FILE (every result, SMI
                        grades included, and the report), --keep (leave the test namespaces),
                        --namespace-labels k=v,… (default istio-injection=enabled), --namespace-annotations k=v,…
                        (e.g. linkerd.io/inject=enabled), --organization/--project/--url/--version/--contact (the
                        report's implementation), --max-time-to-consistency SECONDS (per request check;
                        default 15, upstream's 30)
  scale-test [flags]    adds copies of a sample workload step by step to the embedded sandbox (started for the run) or
                        --kubeconfig FILE's cluster, through the Kubernetes API only; at each step times API calls
                        (create, LIST, watch), pod startup and a mesh config push, drives load with a generator pod
                        and reads the data plane's PodMetrics; says where it stopped scaling and why; exits 1 if it
                        did, and deletes its namespace.  Flags: --steps 1,5,10 (or --max M [--step S]; at most 200
                        copies, 20 steps), --load-seconds S (default 5), --rps R (default 100), --connections C,
                        --api-samples N, thresholds --max-p99-ms (250), --max-error-percent (1),
                        --min-throughput-percent (95), --max-config-push-ms (5000); --keep-going (run every step even
                        after one crossed a threshold); --json FILE, --site-data FILE
                        (the site's /benchmarks/scale/ data), --namespace-labels/--namespace-annotations k=v,…
  help                  this text
`;

/** Upper bound of --sessions-per-client: past it one address could take the whole playground. */
const MAX_SESSIONS_PER_CLIENT = 1000;

export class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'up':
        return await (await import('./commands/up.js')).up(parseUpFlags(rest));
      case 'sandbox':
        return await (await import('./commands/sandbox.js')).sandbox(parseSandboxFlags(rest));
      case 'bench': {
        const { runBenchCommand } = await import('./loadgen/cli.js');
        return await runBenchCommand(rest);
      }
      case 'conformance': {
        const { parseConformanceFlags, ConformanceUsageError } = await import('./conformance/flags.js');
        let flags;
        try {
          flags = parseConformanceFlags(rest);
        } catch (err) {
          if (err instanceof ConformanceUsageError) throw new UsageError(err.message);
          throw err;
        }
        return await (await import('./commands/conformance.js')).conformance(flags);
      }
      case 'scale-test': {
        const { parseScaleTestFlags, ScaleTestUsageError } = await import('./scaletest/flags.js');
        let flags;
        try {
          flags = parseScaleTestFlags(rest);
        } catch (err) {
          if (err instanceof ScaleTestUsageError) throw new UsageError(err.message);
          throw err;
        }
        return await (await import('./scaletest/command.js')).scaleTest(flags);
      }
      case 'generator': {
        const { generatorMain } = await import('./loadgen/generator-main.js');
        return await generatorMain(rest);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      process.stderr.write(`playground: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`playground: ${(err as Error).message}\n`);
    return 1;
  }
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return code.startsWith('ERR_PARSE_ARGS');
}

export function parsePort(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} must be a port number 0-65535, got "${value}"`);
  return port;
}

export interface UpFlags {
  port: number;
  host: string;
  dataDir: string;
  /** Live sessions (and sessions created at once) per client address; undefined = the default limits. */
  sessionsPerClient?: number;
  /** An existing cluster to use instead of starting the embedded sandbox. */
  kubeconfig?: string;
  /** Host header values to answer to (empty: the loopback names for the port). */
  allowedHosts: string[];
  trustProxy: boolean;
  /** The store (--database / PLAYGROUND_DATABASE_URL); undefined = SQLite in the data directory. */
  database?: DatabaseTarget;
}

function parseDatabaseFlag(flag: string | undefined): DatabaseTarget | undefined {
  const fromEnv = flag === undefined;
  const text = flag ?? process.env[DATABASE_URL_ENV];
  if (text === undefined || (fromEnv && text === '')) return undefined;
  try {
    return parseDatabaseUrl(text, fromEnv ? DATABASE_URL_ENV : '--database');
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new UsageError(err.message);
    throw err;
  }
}

function parseUpFlags(args: string[]): UpFlags {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      kubeconfig: { type: 'string' },
      'allowed-host': { type: 'string', multiple: true },
      'trust-proxy': { type: 'boolean' },
      'sessions-per-client': { type: 'string' },
      database: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const perClientText = values['sessions-per-client'] ?? process.env.PLAYGROUND_SESSIONS_PER_CLIENT;
  const sessionsPerClient = perClientText === undefined || perClientText === '' ? undefined : Number(perClientText);
  if (sessionsPerClient !== undefined && (!Number.isInteger(sessionsPerClient) || sessionsPerClient < 1 || sessionsPerClient > MAX_SESSIONS_PER_CLIENT))
    throw new UsageError(`--sessions-per-client must be a whole number from 1 to ${MAX_SESSIONS_PER_CLIENT}, got "${perClientText}"`);
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';
  const allowedHosts = (values['allowed-host'] ?? (process.env.PLAYGROUND_ALLOWED_HOSTS ?? '').split(',')).map((h) => h.trim()).filter(Boolean);
  for (const h of allowedHosts) if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(h)) throw new UsageError(`--allowed-host takes a host name with an optional port, e.g. play.example.com or localhost:8080; got "${h}"`);
  if (['0.0.0.0', '::', '[::]'].includes(host) && !allowedHosts.length)
    throw new UsageError(`--host ${host} answers on every interface: name the host names clients use with --allowed-host (repeatable), e.g. --allowed-host play.example.com`);
  return {
    allowedHosts,
    trustProxy: values['trust-proxy'] ?? process.env.PLAYGROUND_TRUST_PROXY === '1',
    sessionsPerClient,
    port: parsePort(values.port ?? process.env.PORT, values.port ? '--port' : 'PORT', 8080),
    host,
    dataDir: values['data-dir'] ?? process.env.PLAYGROUND_DATA_DIR ?? 'data',
    kubeconfig: values.kubeconfig ?? process.env.PLAYGROUND_KUBECONFIG,
    database: parseDatabaseFlag(values.database),
  };
}

export interface SandboxFlags {
  port: number;
  host: string;
  kubeconfig: string;
  withSample: boolean;
}

function parseSandboxFlags(args: string[]): SandboxFlags {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      kubeconfig: { type: 'string' },
      'with-sample': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.kubeconfig) throw new UsageError('--kubeconfig FILE is required: the sandbox writes its kubeconfig there');
  return {
    port: parsePort(values.port, '--port', 6443),
    host: values.host ?? '127.0.0.1',
    kubeconfig: values.kubeconfig,
    withSample: values['with-sample'] ?? false,
  };
}
