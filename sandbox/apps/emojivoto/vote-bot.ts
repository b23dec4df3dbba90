// Emojivoto's vote-bot (emojivoto-web/cmd/vote-bot/main.go, run as `emojivoto-vote-bot` from the web image): every
// 1/REQUEST_RATE seconds (REQUEST_RATE defaults to 1) it lists the emoji at WEB_HOST and votes — for :doughnut:
// 15% of the time (its sweet tooth, and the votes that fail), else for one at random — printing
// `✔ Voting for :x:`. TTL (seconds) makes it stop with exit 0. It is both the container's main process (the
// manifest's `command: [emojivoto-vote-bot]`) and a program of the image for `kubectl exec`.
import type { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { cappedExchange } from '../../runtime/capped-exchange.js';
import type { Program } from '../../runtime/process/program.js';
import type { Workload, WorkloadContext } from '../../runtime/workload.js';

export const VOTE_BOT_COMMAND = 'emojivoto-vote-bot';
/** The most votes per second a bot sends, whatever REQUEST_RATE asks (upstream has no cap; the sandbox is shared). */
export const VOTE_BOT_MAX_RATE = 10;
const REQUEST_TIMEOUT_MS = 10_000;
const BODY_LIMIT = 64 * 1024;
const DOUGHNUT_PROBABILITY = 0.15;

export interface VoteBotIo {
  agent: Agent;
  env: Record<string, string>;
  out(line: string): void;
  err(line: string): void;
  signal: AbortSignal;
}

/** Runs until the signal aborts (resolves 0), TTL passes (0), or the configuration is bad (1). */
export async function runVoteBot(io: VoteBotIo): Promise<number> {
  const webHost = io.env.WEB_HOST ?? '';
  if (!webHost) {
    io.err('WEB_HOST environment variable must me set');
    return 1;
  }
  let base: URL;
  try {
    base = new URL(`http://${webHost}`);
  } catch {
    io.err(`WEB_HOST ${webHost} is invalid`);
    return 1;
  }
  const hostOverride = io.env.HOST_OVERRIDE ?? '';
  const ttl = Number.parseInt(io.env.TTL ?? '', 10) || 0;
  const deadline = ttl ? Date.now() + ttl * 1000 : 0;
  const rate = Math.min(VOTE_BOT_MAX_RATE, Math.max(1, Number.parseInt(io.env.REQUEST_RATE ?? '', 10) || 1));
  const get = (path: string) =>
    cappedExchange(io.agent, {
      method: 'GET',
      url: new URL(path, base),
      headers: { host: hostOverride || base.host, 'user-agent': 'Go-http-client/1.1' },
      timeoutMs: REQUEST_TIMEOUT_MS,
      bodyLimit: BODY_LIMIT,
    });
  try {
    for (;;) {
      if (deadline && Date.now() > deadline) {
        io.out(`Time to live of ${ttl} seconds reached, completing`);
        return 0;
      }
      await sleep(1000 / rate, undefined, { signal: io.signal });
      let shortcodes: string[];
      try {
        const res = await get('/api/list');
        const list = JSON.parse(res.body) as { shortcode?: unknown }[];
        shortcodes = list.map((e) => String(e.shortcode));
        if (!shortcodes.length) throw new Error('unexpected end of JSON input');
      } catch (e) {
        io.err((e as Error).message);
        continue;
      }
      const choice = Math.random() < DOUGHNUT_PROBABILITY ? ':doughnut:' : shortcodes[Math.floor(Math.random() * shortcodes.length)];
      io.out(`✔ Voting for ${choice}`);
      try {
        await get(`/api/vote?choice=${choice}`);
      } catch (e) {
        io.err((e as Error).message);
      }
    }
  } catch (e) {
    if (io.signal.aborted) return 0;
    throw e;
  }
}

export function voteBotWorkload(ctx: WorkloadContext): Workload {
  const abort = new AbortController();
  return {
    start: async () => {
      ctx.log(`vote-bot: voting at ${ctx.env.WEB_HOST ?? '(WEB_HOST unset)'}`);
      void runVoteBot({ agent: ctx.agent, env: ctx.env, out: ctx.log, err: ctx.log, signal: abort.signal }).then(
        (code) => {
          if (!abort.signal.aborted) ctx.exit(code);
        },
        (e: Error) => {
          ctx.log(e.message);
          if (!abort.signal.aborted) ctx.exit(1);
        },
      );
    },
    stop: async () => abort.abort(),
  };
}

export const voteBotProgram: Program = (p) =>
  runVoteBot({
    agent: p.container.agent,
    env: p.env,
    out: (line) => p.stdout.write(`${line}\n`),
    err: (line) => p.stderr.write(`${line}\n`),
    signal: p.signal,
  });
