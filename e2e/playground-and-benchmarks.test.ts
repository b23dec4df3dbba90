// The playground and benchmarks pages in a real browser against `playground up`: the terminal runs kubectl
// and curl through the mesh, a benchmark runs to completion and draws its charts, and the page survives a
// server restart with a visible reconnecting state, then works again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startPlayground } from './playground-process.js';
import { freshPage, screenshot, seriousA11yViolations, waitForSession, siteUnderTest } from './site-helpers.js';

const site = siteUnderTest();

const terminalText = (page: Page) => page.evaluate(() => document.querySelector('.xterm-rows')?.textContent ?? '');

async function typeLine(page: Page, line: string, expect: RegExp, timeout = 60_000): Promise<void> {
  await page.locator('[data-testid=terminal]').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
  await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('.xterm-rows')?.textContent ?? ''), expect.source, { timeout, polling: 250 });
}

test('the terminal runs the real kubectl get pods and curl through the mesh', { timeout: 180_000 }, async () => {
  const page = await freshPage(site.browser);
  await page.goto(`${site.pg.url}/playground/`);
  await waitForSession(page);
  await page.waitForSelector('.xterm-rows');
  // kubectl is installed wherever the tests run (the machines and CI): its own table, never the install hint.
  await typeLine(page, 'kubectl get pods', /productpage-v1-\S+\s+2\/2\s+Running/);
  const table = await terminalText(page);
  assert.match(table, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/, table.slice(-600));
  assert.doesNotMatch(table, /kubectl is not installed/);
  await typeLine(page, 'curl -i http://reviews:9080/reviews/0', /"reviews":\s*\[/);
  assert.match(await terminalText(page), /< 200 in [\d.]+ ms from curl-\S+ \(served by reviews-v[123]-/);
  // Ctrl-C on an idle line clears it and gives a fresh prompt.
  await page.keyboard.type('kubectl get');
  await page.keyboard.press('Control+C');
  await page.waitForFunction(() => /kubectl get\^C/.test(document.querySelector('.xterm-rows')?.textContent ?? ''), undefined, { timeout: 5_000 }).catch(() => undefined);
  const afterCtrlC = await terminalText(page);
  assert.match(afterCtrlC, /kubectl get\^C/, afterCtrlC.slice(-400));
  // The topology shows the session's services and workloads.
  await page.waitForSelector('[data-testid=topology]', { timeout: 30_000 });
  assert.match((await page.textContent('[data-testid=topology]')) ?? '', /reviews-v2/);
  await screenshot(page, 'playground-desktop');
  await page.context().close();
});

test('the protocol selector: an HTTP/2 run is labelled HTTP/2 with successes; gRPC is sent as gRPC (httpbin is not a gRPC server, and the run says so); a bad gRPC method is refused naming the field', { timeout: 180_000 }, async () => {
  const page = await freshPage(site.browser);
  await page.goto(`${site.pg.url}/benchmarks/`);
  await waitForSession(page);
  // HTTP/1.1 by default, without the HTTP/2 fields; the radio group is keyboard-operated (arrow keys move the choice).
  assert.equal(await page.getByLabel('HTTP/1.1').isChecked(), true);
  assert.equal(await page.locator('#bench-streams').count(), 0);
  await page.getByLabel('HTTP/1.1').focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByLabel('HTTP/2 (h2c)').isChecked(), true);
  // The limit is the input's: a value over it is not sent (the browser holds the form).
  await page.getByLabel(/^Streams per connection/).fill('17');
  assert.equal(await page.locator('form.panel').evaluate((f) => (f as HTMLFormElement).checkValidity()), false);
  await page.getByLabel(/^Streams per connection/).fill('2');
  await page.locator('#bench-durationSeconds').fill('1');
  await page.locator('#bench-rps').fill('20');
  await page.locator('#bench-label').fill('over-h2');
  assert.match((await page.textContent('[data-testid=bench-command]')) ?? '', /--h2 --streams 2 http:\/\/httpbin:8000\/get$/);
  await screenshot(page, 'benchmarks-protocol-h2');
  await page.getByRole('button', { name: 'Run benchmark' }).click();
  // h2c through the sidecars to httpbin's `http` port (HTTP/1.1 to the app, as Istio chooses): every request a 2xx.
  const h2Row = page.locator('[data-testid=bench-summary] tr:not([data-testid=bench-delta])', { hasText: 'over-h2' });
  await h2Row.waitFor({ timeout: 90_000 });
  assert.ok(!(await page.locator('[role=alert]').count()), `the run reported an error: ${await page.locator('[role=alert]').allTextContents()}`);
  assert.equal((await h2Row.locator('[data-testid=bench-protocol]').textContent())?.trim(), 'HTTP/2 · 2 streams/conn');
  assert.equal((await h2Row.locator('[data-testid=bench-success]').textContent())?.trim(), '100%');
  assert.match((await page.locator('[aria-labelledby=runs-h] li', { hasText: 'over-h2' }).textContent()) ?? '', /sidecar on · HTTP\/2 · 2 streams\/conn · completed/);

  // gRPC: the method defaults to the health check; one the server cannot take is refused, naming the field.
  await page.getByLabel('gRPC', { exact: true }).check();
  const method = page.getByLabel(/^gRPC method/);
  assert.equal(await method.inputValue(), '/grpc.health.v1.Health/Check');
  await method.fill('Health.Check');
  await page.locator('#bench-label').fill('over-grpc');
  await page.getByRole('button', { name: 'Run benchmark' }).click();
  await page.locator('[role=alert]').waitFor({ timeout: 10_000 });
  assert.match((await page.locator('[role=alert]').textContent()) ?? '', /^ValidationFailed: grpcMethod: grpcMethod must be \/package\.Service\/Method/);
  assert.equal(await method.getAttribute('aria-invalid'), 'true');
  assert.match((await method.getAttribute('aria-describedby')) ?? '', /bench-error/);
  await screenshot(page, 'benchmarks-protocol-grpc-error');
  // The page's axe pass (lessons-and-docs) sees the default form; here every protocol field and the error are shown.
  assert.deepEqual(await seriousA11yViolations(page), []);
  // Against httpbin (HTTP only) the gRPC calls end, fast, as failures, and the run says why in words.
  await method.fill('/grpc.health.v1.Health/Check');
  await page.getByRole('button', { name: 'Run benchmark' }).click();
  const grpcRow = page.locator('[data-testid=bench-summary] tr:not([data-testid=bench-delta])', { hasText: 'over-grpc' });
  await grpcRow.waitFor({ timeout: 90_000 });
  assert.equal((await grpcRow.locator('[data-testid=bench-protocol]').textContent())?.trim(), 'gRPC · 2 streams/conn');
  assert.equal((await grpcRow.locator('[data-testid=bench-success]').textContent())?.trim(), '0%');
  assert.match((await page.locator('[data-testid=bench-warning]', { hasText: 'over-grpc' }).first().textContent()) ?? '', /not gRPC: \d+ call\(s\) got a plain HTTP status \(HTTP 404/);
  // The two runs are compared, and the comparison says they spoke different protocols.
  await page.locator('[data-testid=bench-wire-mismatch]').waitFor({ timeout: 15_000 });
  assert.match((await page.locator('[data-testid=bench-wire-mismatch]').textContent()) ?? '', /different protocols \(gRPC · 2 streams\/conn against HTTP\/2 · 2 streams\/conn\)/);
  await page.evaluate(() => { document.documentElement.dataset.theme = 'dark'; });
  assert.deepEqual(await seriousA11yViolations(page, { coloursOnly: true }), [], 'the protocol labels and notes in the dark theme');
  await screenshot(page, 'benchmarks-protocol-dark');
  await page.context().close();
});

test('a benchmark runs to completion and draws its charts; a server restart shows reconnecting, then recovers', { timeout: 300_000 }, async () => {
  const page = await freshPage(site.browser);
  await page.goto(`${site.pg.url}/benchmarks/`);
  // The sample-size rules: a p99.9 needs 1,000 samples (fewer, and it is the run's maximum).
  const rules = (await page.getByRole('table', { name: 'Samples each percentile needs' }).textContent()) ?? '';
  assert.match(rules, /p99\.9\s*1,000\s*10,000/);
  assert.match((await page.locator('#overhead').textContent()) ?? '', /Mesh overhead, measured so it can be repeated/);
  await waitForSession(page);
  await page.locator('#bench-durationSeconds').fill('2');
  await page.locator('#bench-rps').fill('50');
  await page.locator('#bench-label').fill('meshed');
  await page.getByRole('button', { name: 'Run benchmark' }).click();
  await page.waitForSelector('[data-testid=bench-progress]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid=percentile-chart] polyline', { timeout: 90_000 });
  await page.waitForSelector('[data-testid=histogram-chart] rect', { timeout: 10_000 });
  const summary = (await page.textContent('[data-testid=bench-summary]')) ?? '';
  assert.match(summary, /meshed/);
  assert.ok(!(await page.locator('[role=alert]').count()), `the run reported an error: ${await page.locator('[role=alert]').allTextContents()}`);
  assert.equal((await page.textContent('[data-testid=bench-success]'))?.trim(), '100%');
  // 100 responses: the page says its p99.9 is the maximum, not a measured tail.
  assert.match((await page.locator('[data-testid=bench-warning]').first().textContent()) ?? '', /small sample: \d+ responses: p99\.9/);
  // MeshMark weighs a meshed run against an un-meshed one of the same workload: none yet, and the page says how to get one.
  const noBaseline = page.locator('[data-testid=bench-meshmark]', { hasText: 'MeshMark of meshed' });
  await noBaseline.waitFor({ timeout: 10_000 });
  assert.match((await noBaseline.textContent()) ?? '', /n\/a/);
  await noBaseline.locator('summary').click();
  assert.match((await noBaseline.textContent()) ?? '', /no un-meshed run of this workload/);
  // The direct preset (generators without sidecars against the un-meshed copy httpbin-direct) gives it a baseline.
  await page.getByRole('button', { name: 'direct: httpbin-direct, sidecar off' }).click();
  await page.locator('#bench-durationSeconds').fill('1');
  await page.getByRole('button', { name: 'Run benchmark' }).click();
  const scored = page.locator('[data-testid=bench-meshmark]', { hasText: 'MeshMark of meshed' }).locator('[data-testid=bench-meshmark-score]');
  await scored.waitFor({ timeout: 90_000 });
  const score = Number(await scored.textContent());
  assert.ok(score > 0 && score <= 100, `a MeshMark score: ${score}`);
  assert.match((await page.locator('[data-testid=bench-meshmark]', { hasText: 'the comparison' }).textContent()) ?? '', /MeshMark of the comparison .*: \d+\.\d \/ 100 \(value/);
  await screenshot(page, 'benchmarks-desktop');

  // A target answering 503: every request is an error, by class, and the success rate is 0.
  await page.getByRole('button', { name: 'meshed: httpbin, sidecar on' }).click();
  await page.locator('#bench-url').fill('http://httpbin:8000/status/503');
  await page.locator('#bench-durationSeconds').fill('1');
  await page.locator('#bench-label').fill('failing');
  await page.getByRole('button', { name: 'Run benchmark' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=bench-summary] tr')].some((tr) => /failing/.test(tr.textContent ?? '') && /5xx \d+/.test(tr.textContent ?? '')), undefined, { timeout: 90_000 });
  const failing = page.locator('[data-testid=bench-summary] tr', { hasText: 'failing' });
  assert.equal((await failing.locator('[data-testid=bench-success]').textContent())?.trim(), '0%');
  const errors = (await failing.locator('[data-testid=bench-errors]').textContent()) ?? '';
  const [, total, fivexx] = /^(\d+): 5xx (\d+)$/.exec(errors.trim()) ?? [];
  assert.ok(Number(total) > 0 && total === fivexx, `errors by class: ${errors}`);
  // Runs are grouped by the mesh they went through (detected from the generator pods' injected proxy).
  assert.match((await page.locator('[data-testid=bench-mesh-group] h3').first().textContent()) ?? '', /^Mesh: sandbox v1$/);

  // Import a result: fortio's own README result (vendored) through the form is listed, marked imported, beside ours;
  // a broken document is refused with the field named and nothing is added.
  const runsBefore = await page.locator('[data-testid=bench-mesh-group] li').count();
  await page.locator('#import-format').selectOption('fortio');
  await page.locator('#import-label').fill('fortio-readme');
  await page.locator('#import-text').fill(readFileSync(new URL('../test/loadgen/fixtures/fortio/readme-http-result.json', import.meta.url), 'utf8'));
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  // The run's own row, not the comparison's delta row (which names it too once two runs are compared).
  const imported = page.locator('[data-testid=bench-summary] tr:not([data-testid=bench-delta])', { hasText: 'fortio-readme' });
  await imported.waitFor({ timeout: 20_000 });
  assert.match((await imported.locator('[data-testid=bench-imported]').textContent()) ?? '', /imported \(fortio\)/);
  assert.equal(await page.locator('[data-testid=bench-mesh-group] li').count(), runsBefore + 1);
  await page.locator('#import-label').fill('broken');
  await page.locator('#import-text').fill(JSON.stringify({ RetCodes: { '200': 1 } }));
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.locator('[role=alert]').waitFor({ timeout: 10_000 });
  assert.match((await page.locator('[role=alert]').textContent()) ?? '', /^ValidationFailed: .*document\./);
  assert.equal(await page.locator('[data-testid=bench-mesh-group] li').count(), runsBefore + 1, 'nothing was added');

  // Adaptive mode from the page: a malformed objective is refused before anything runs; an objective no rate can meet
  // (a 1 µs median through two sidecars) ends after the first steps and lists them.
  await page.getByRole('button', { name: 'meshed: httpbin, sidecar on' }).click();
  await page.locator('#bench-rps').fill('2');
  await page.locator('#bench-durationSeconds').fill('1');
  await page.locator('#bench-label').fill('objective');
  await page.locator('#bench-slo').fill('p99<10ms');
  assert.match((await page.textContent('[data-testid=bench-command]')) ?? '', /--slo 'p99<10ms'/);
  await page.getByRole('button', { name: 'Run benchmark' }).click();
  assert.match((await page.locator('[role=alert]').textContent()) ?? '', /clause "p99<10ms" is not understood/);
  assert.equal(await page.locator('[data-testid=bench-progress]').count(), 0, 'no run started');
  await page.locator('#bench-slo').fill('p50<=0.001ms');
  await page.getByRole('button', { name: 'Run benchmark' }).click();
  const found = page.locator('[data-testid=bench-slo-found]');
  await found.waitFor({ timeout: 90_000 });
  assert.match((await found.textContent()) ?? '', /No rate tried met the objective/);
  const stepRows = page.locator('[data-testid=bench-slo] tbody tr');
  assert.ok((await stepRows.count()) >= 1);
  assert.match((await stepRows.first().textContent()) ?? '', /^1ramp2.*no \(p50/);
  await page.locator('#bench-slo').fill('');

  // Restart the server under the open page: a clear reconnecting state, never a blank screen.
  const port = new URL(site.pg.url).port;
  const dataDir = site.pg.dataDir;
  await site.pg.stop();
  await page.waitForSelector('#connection-banner', { timeout: 30_000 });
  assert.match((await page.textContent('#connection-banner')) ?? '', /Reconnecting/);
  assert.match((await page.textContent('#session-chip')) ?? '', /reconnecting/);
  assert.ok(await page.locator('[data-testid=bench-summary]').isVisible(), 'the results stay on screen while reconnecting');
  await screenshot(page, 'benchmarks-reconnecting');
  site.pg = await startPlayground({ dataDir, port: Number(port) });
  await waitForSession(page, 150_000);
  assert.equal(await page.locator('#connection-banner').count(), 0);
  await page.context().close();
});
