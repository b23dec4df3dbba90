// Emojivoto's images under every registry spelling Linkerd's docs have used: ghcr.io/buoyantio (run.linkerd.io's
// emojivoto.yml today), docker.l5d.io/buoyantio (the repository's kustomize files) and docker.io/buoyantio.
// Their base is debian with curl (emojivoto-svc-base). The web image runs web unless the container's command is `emojivoto-vote-bot` (the vote-bot Deployment).
import type { ProgramSet } from '../../runtime/process/program.js';
import type { WorkloadContext } from '../../runtime/workload.js';
import { SHELL_AND_CURL, spellings, type UpstreamImage } from '../upstream-image.js';
import { emojiServiceApp, votingServiceApp } from './services.js';
import { VOTE_BOT_COMMAND, voteBotProgram, voteBotWorkload } from './vote-bot.js';
import { emojivotoWebApp } from './web.js';

const REGISTRIES = ['ghcr.io/', 'docker.l5d.io/', ''];
const TAGS = ['v11'];

const isVoteBot = (ctx: WorkloadContext) => (ctx.command ?? []).some((c) => c === VOTE_BOT_COMMAND || c.endsWith(`/${VOTE_BOT_COMMAND}`));

export const EMOJIVOTO_IMAGES: UpstreamImage[] = [
  { names: spellings(REGISTRIES, 'buoyantio/emojivoto-web'), tags: TAGS, factory: (ctx) => (isVoteBot(ctx) ? voteBotWorkload(ctx) : emojivotoWebApp(ctx)), tools: SHELL_AND_CURL },
  { names: spellings(REGISTRIES, 'buoyantio/emojivoto-emoji-svc'), tags: TAGS, factory: (ctx) => emojiServiceApp(ctx), tools: SHELL_AND_CURL },
  { names: spellings(REGISTRIES, 'buoyantio/emojivoto-voting-svc'), tags: TAGS, factory: (ctx) => votingServiceApp(ctx), tools: SHELL_AND_CURL },
];

export const EMOJIVOTO_WEB_PROGRAMS: ProgramSet = { [VOTE_BOT_COMMAND]: voteBotProgram };
