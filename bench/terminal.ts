// `npm run bench -- terminal`: how soon the playground's terminal takes input, in Chromium against `playground up`.
// For each of RUNS fresh browser contexts (a new learner, cold cache): visit /playground/ and wait for the prompt.
// Reports, from the page's own performance marks: open → ready (the island mounting, xterm loading, the prompt
// drawn; goal ≤ 500 ms) and visit → ready (navigation start to the prompt), plus the gzipped JS the page loads
// before anyone touches it, split into what the terminal island loads itself and the rest.
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../e2e/browser.js';
import { startPlayground } from '../e2e/playground-process.js';

const RUNS = Number(process.env.TERMINAL_BENCH_RUNS ?? 7);
const READY_GOAL_MS = 500;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const pg = await startPlayground();
const browser = await launchChromium();
try {
  const openToReady: number[] = [];
  const visitToReady: number[] = [];
  let js: Record<string, number> = {};
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const files: Record<string, number> = {};
    const bodies: Promise<void>[] = [];
    page.on('response', (res) => {
      if (res.request().resourceType() === 'script') bodies.push(res.body().then((b) => void (files[new URL(res.url()).pathname.replace(/^.*\//, '')] = gzipSync(b).length), () => undefined));
    });
    await page.goto(`${pg.url}/playground/`);
    await page.waitForSelector('[data-testid=terminal][data-ready=true]', { timeout: 60_000 });
    const marks = await page.evaluate(() => {
      const at = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
      return { open: at('pg-terminal-open'), ready: at('pg-terminal-ready') };
    });
    openToReady.push(marks.ready - marks.open);
    visitToReady.push(marks.ready);
    await Promise.all(bodies);
    if (run === 0) js = files;
    await context.close();
  }
  const fmt = (xs: number[]) => `median ${quantile(xs, 0.5).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;
  console.log(`terminal ready after it is opened (island mount → prompt), ${RUNS} cold loads: ${fmt(openToReady)} (goal ≤ ${READY_GOAL_MS} ms: ${Math.max(...openToReady) <= READY_GOAL_MS ? 'met' : 'MISSED'})`);
  console.log(`terminal ready after visiting /playground/ (navigation start → prompt): ${fmt(visitToReady)}`);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const terminalOwn = Object.entries(js).filter(([f]) => /^(Terminal|xterm|addon-fit)/i.test(f));
  const total = Object.values(js).reduce((a, b) => a + b, 0);
  console.log(`JS the playground page loads (gzipped): ${kb(total)} in all; the terminal's own: ${terminalOwn.map(([f, n]) => `${f} ${kb(n)}`).join(', ')}`);
} finally {
  await browser.close();
  await pg.stop();
}
