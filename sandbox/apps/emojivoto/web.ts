// Emojivoto's web (image buoyantio/emojivoto-web, emojivoto-web/web/web.go): the page at `/` and `/leaderboard`, the
// JSON API the page and vote-bot use — `/api/list`, `/api/vote?choice=:joy:`, `/api/leaderboard` — on WEB_PORT,
// calling EMOJISVC_HOST and VOTINGSVC_HOST (see rpc.ts). Errors answer as upstream's writeError does: a JSON
// `{"error": "..."}` with 500 (so a :doughnut: vote is a 500, the failure Linkerd's tutorial looks for) or 400.
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { httpWorkload, json, type AppResponse } from '../http-workload.js';
import { propagate } from '../upstream.js';
import { EMOJI_SERVICE, VOTING_SERVICE, callRpc } from './rpc.js';
import { voteMethod } from './services.js';
import { EMOJIVOTO_UI_SCRIPT } from './web-ui.js';

interface Emoji {
  shortcode: string;
  unicode: string;
}

const REQUIRED_ENV = ['WEB_PORT', 'EMOJISVC_HOST', 'VOTINGSVC_HOST', 'INDEX_BUNDLE'];

export function emojivotoWebApp(ctx: WorkloadContext): Workload {
  const missing = REQUIRED_ENV.filter((k) => !ctx.env[k]);
  const port = Number(ctx.env.WEB_PORT);
  if (missing.length || !Number.isInteger(port) || port < 1 || port > 65535) {
    // cmd/server.go: log.Fatalf when any of them is unset; the container exits 1 and is restarted.
    const e = ctx.env;
    return {
      start: async () => {
        ctx.log(
          `WEB_PORT (currently [${e.WEB_PORT ?? ''}]) EMOJISVC_HOST (currently [${e.EMOJISVC_HOST ?? ''}]) and VOTINGSVC_HOST (currently [${e.VOTINGSVC_HOST ?? ''}]) INDEX_BUNDLE (currently [${e.INDEX_BUNDLE ?? ''}]) environment variables must me set.`,
        );
        ctx.exit(1);
      },
      stop: async () => undefined,
    };
  }
  const emojiHost = ctx.env.EMOJISVC_HOST;
  const votingHost = ctx.env.VOTINGSVC_HOST;
  const motd = ctx.env.MESSAGE_OF_THE_DAY ?? '';
  const fail = (status: number, err: unknown, path: string): AppResponse => {
    ctx.log(`Error serving request [${path}]: ${(err as Error).message ?? String(err)}`);
    return { status, headers: { 'content-type': 'application/json; charset=UTF-8' }, body: { error: (err as Error).message ?? String(err) } };
  };
  const workload = httpWorkload(ctx, port, async (req): Promise<AppResponse> => {
    const fwd = propagate(req.headers);
    try {
      switch (req.path) {
        case '/':
        case '/leaderboard':
          return { status: 200, headers: { 'content-type': 'text/html' }, body: indexPage(motd) };
        case '/js':
          return { status: 200, headers: { 'content-type': 'application/javascript' }, body: EMOJIVOTO_UI_SCRIPT };
        case '/api/list': {
          const res = await callRpc<{ list: Emoji[] }>(ctx, emojiHost, `${EMOJI_SERVICE}/ListAll`, {}, fwd);
          return json(200, res.list.map((e) => ({ shortcode: e.shortcode, unicode: e.unicode })));
        }
        case '/api/leaderboard': {
          const { results } = await callRpc<{ results: { shortcode: string; votes: number }[] }>(ctx, votingHost, `${VOTING_SERVICE}/Results`, {}, fwd);
          const out: Record<string, string>[] = [];
          for (const r of results) {
            const found = await callRpc<{ emoji?: Emoji }>(ctx, emojiHost, `${EMOJI_SERVICE}/FindByShortcode`, { shortcode: r.shortcode }, fwd);
            out.push({ votes: String(r.votes), unicode: found.emoji?.unicode ?? '', shortcode: found.emoji?.shortcode ?? r.shortcode });
          }
          return json(200, out);
        }
        case '/api/vote': {
          const choice = req.query.get('choice') ?? new URLSearchParams(req.body).get('choice') ?? '';
          if (!choice) return fail(400, new Error(`Emoji choice [${choice}] is mandatory`), req.path);
          const found = await callRpc<{ emoji?: Emoji }>(ctx, emojiHost, `${EMOJI_SERVICE}/FindByShortcode`, { shortcode: choice }, fwd);
          if (!found.emoji) return fail(400, new Error(`Choosen emoji shortcode [${choice}] doesnt exist`), req.path);
          await callRpc(ctx, votingHost, `${VOTING_SERVICE}/${voteMethod(choice)}`, {}, fwd);
          return { status: 200, body: '' };
        }
        default:
          return { status: 404, body: '404 page not found\n' };
      }
    } catch (err) {
      return fail(500, err, req.path);
    }
  });
  return {
    start: async () => {
      ctx.log(`Starting web server on WEB_PORT=[${port}] and MESSAGE_OF_THE_DAY=[${motd}]`);
      await workload.start();
    },
    stop: () => workload.stop(),
  };
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function indexPage(motd: string): string {
  return `<!DOCTYPE html>
<html>
  <head>
    <meta charset="UTF-8">
    <title>Emoji Vote</title>
  </head>
  <body>
    <div id="motd" class="motd">${escape(motd)}</div>
    <div id="main" class="main"></div>
  </body>
  <script type="text/javascript" src="/js" async></script>
</html>`;
}
