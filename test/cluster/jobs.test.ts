// batch/v1 with the real kubectl: a Job runs its pods to completion (COMPLETIONS 1/1, the Complete condition,
// `kubectl wait` returns 0), a failing Job stops at backoffLimit (Failed, BackoffLimitExceeded), invalid specs
// are refused with the API server's messages, and a CronJob creates `<name>-<minute>` Jobs on a manual clock,
// prunes its history and serves `kubectl create job --from=cronjob/…`. Pods that exit come from an image
// registered here (until images run their command).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { registerImage, unregisterImage } from '../../sandbox/runtime/images.js';
import { ManualClock } from '../../sandbox/controllers/clock.js';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import { kubectlOk, kubectlRefused, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'batch-test';
const IMAGE = 'test/job-step';
/** A container that never exits by itself. */
const FOREVER = 'test/job-forever';

function jobYaml(name: string, opts: { exit?: number; backoffLimit?: number; completions?: number; parallelism?: number; restartPolicy?: string | null } = {}): string {
  const lines = [
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    ...(opts.completions !== undefined ? [`  completions: ${opts.completions}`] : []),
    ...(opts.parallelism !== undefined ? [`  parallelism: ${opts.parallelism}`] : []),
    ...(opts.backoffLimit !== undefined ? [`  backoffLimit: ${opts.backoffLimit}`] : []),
    '  template:',
    '    spec:',
    ...(opts.restartPolicy === null ? [] : [`      restartPolicy: ${opts.restartPolicy ?? 'Never'}`]),
    '      containers:',
    '      - name: step',
    `        image: ${IMAGE}`,
    '        env:',
    '        - name: EXIT_CODE',
    `          value: "${opts.exit ?? 0}"`,
  ];
  return lines.join('\n') + '\n';
}

describe('Jobs and CronJobs', () => {
  let c: ClusterFixture;
  const clock = new ManualClock();
  const k = (...args: string[]) => kubectlOk(c, ['-n', NS, ...args]);
  const jobs = () => c.sandbox.api.list(c.sandbox.api.type('batch', 'jobs'), NS).items;

  before(async () => {
    registerImage(IMAGE, (ctx) => ({
      start: async () => {
        const index = ctx.env.JOB_COMPLETION_INDEX;
        ctx.log(`step of ${ctx.podName} exits ${ctx.env.EXIT_CODE ?? '0'}${index === undefined ? '' : ` index ${index}`}`);
        setTimeout(() => ctx.exit(Number(ctx.env.EXIT_CODE ?? '0')), 20);
      },
      stop: async () => undefined,
    }));
    registerImage(FOREVER, (ctx) => ({ start: async () => ctx.log('working'), stop: async () => undefined }));
    c = await startCluster({ clock, mesh: false });
    await kubectlOk(c, ['create', 'namespace', NS]);
  });
  after(async () => {
    await c?.close();
    unregisterImage(IMAGE);
    unregisterImage(FOREVER);
  });

  test('a Job runs to completion: Complete, COMPLETIONS 1/1, kubectl wait returns 0, pods labelled and owned', async () => {
    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], jobYaml('once'));
    const wait = await c.kubectl(['-n', NS, 'wait', '--for=condition=complete', 'job/once', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.equal(wait.code, 0, wait.stderr);
    assert.match(wait.stdout, /job.batch\/once condition met/);
    const table = await k('get', 'jobs');
    assert.match(table, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
    assert.match(table, /^once\s+Complete\s+1\/1\s+\d+s\s+\d+s$/m);
    const job = JSON.parse(await k('get', 'job', 'once', '-o', 'json')) as KubeObject & { spec: Record<string, unknown>; status: { conditions: { type: string; reason: string }[]; succeeded: number; completionTime?: string } };
    assert.deepEqual(job.status.conditions.map((x) => [x.type, x.reason]), [['SuccessCriteriaMet', 'CompletionsReached'], ['Complete', 'CompletionsReached']]);
    assert.equal(job.status.succeeded, 1);
    assert.ok(job.status.completionTime);
    assert.equal(job.spec.backoffLimit, 6);
    assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid } });
    const pods = c.pods(NS, (p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === 'once');
    assert.equal(pods.length, 1);
    assert.equal(pods[0].metadata.labels?.['job-name'], 'once');
    assert.equal(pods[0].metadata.labels?.['controller-uid'], job.metadata.uid);
    assert.deepEqual(pods[0].metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]), [['Job', 'once', true]]);
    const logs = await k('logs', 'job/once');
    assert.match(logs, /^step of once-\w{5} exits 0$/m);
    const wide = await k('get', 'job', 'once', '-o', 'wide');
    assert.match(wide, /CONTAINERS\s+IMAGES\s+SELECTOR/);
    assert.match(wide, new RegExp(`step\\s+${IMAGE.replace(/[/.]/g, '\\$&')}\\s+batch.kubernetes.io/controller-uid=${job.metadata.uid}`));
    // Deleting the Job takes its pods (ownerReferences, garbage collection).
    await k('delete', 'job', 'once');
    await waitFor('the Job pod to be collected', () => c.pods(NS, (p) => p.metadata.labels?.['job-name'] === 'once').length === 0);
  });

  test('completions 3, parallelism 2: the Job completes after three pods succeeded', async () => {
    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], jobYaml('three', { completions: 3, parallelism: 2 }));
    await kubectlOk(c, ['-n', NS, 'wait', '--for=condition=complete', 'job/three', '--timeout=30s'], undefined, 40_000);
    assert.match(await k('get', 'job', 'three'), /^three\s+Complete\s+3\/3\s/m);
    assert.equal(c.pods(NS, (p) => p.metadata.labels?.['job-name'] === 'three' && p.status?.phase === 'Succeeded').length, 3);
    const described = await k('describe', 'job', 'three');
    assert.match(described, /^Completions:\s+3$/m);
    assert.match(described, /^Pods Statuses:\s+0 Active \(0 Ready\) \/ 3 Succeeded \/ 0 Failed$/m);
    assert.match(await k('get', 'all'), /^job\.batch\/three\s+Complete\s+3\/3\s/m);
  });

  test('Indexed: each index runs once with JOB_COMPLETION_INDEX, completedIndexes records them', async () => {
    const manifest = jobYaml('indexed', { completions: 3, parallelism: 3 }).replace('  completions: 3', '  completions: 3\n  completionMode: Indexed');
    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], manifest);
    await kubectlOk(c, ['-n', NS, 'wait', '--for=condition=complete', 'job/indexed', '--timeout=30s'], undefined, 40_000);
    const job = JSON.parse(await k('get', 'job', 'indexed', '-o', 'json')) as { status: { completedIndexes: string; succeeded: number } };
    assert.equal(job.status.completedIndexes, '0-2');
    assert.equal(job.status.succeeded, 3);
    const pods = c.pods(NS, (p) => p.metadata.labels?.['job-name'] === 'indexed');
    assert.deepEqual(pods.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort(), ['0', '1', '2']);
    for (const p of pods) {
      const i = p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];
      assert.match(p.metadata.name, new RegExp(`^indexed-${i}-\\w{5}$`));
      assert.equal((p.spec as { hostname?: string }).hostname, `indexed-${i}`);
      assert.equal((await k('logs', p.metadata.name)).trim(), `step of ${p.metadata.name} exits 0 index ${i}`);
    }
    const noCompletions = jobYaml('badindexed').replace('spec:\n  template', 'spec:\n  completionMode: Indexed\n  parallelism: 2\n  template');
    assert.match(await kubectlRefused(c, ['-n', NS, 'apply', '-f', '-'], noCompletions), /spec.completions: Required value: when completion mode is Indexed/);
  });

  test('backoffLimit: failing pods are replaced until more than backoffLimit failed, then Failed (BackoffLimitExceeded)', async () => {
    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], jobYaml('fails', { exit: 1, backoffLimit: 1 }));
    await kubectlOk(c, ['-n', NS, 'wait', '--for=condition=failed', 'job/fails', '--timeout=30s'], undefined, 40_000);
    const job = JSON.parse(await k('get', 'job', 'fails', '-o', 'json')) as { status: { failed: number; conditions: { type: string; reason: string; message: string }[] } };
    assert.equal(job.status.failed, 2);
    const failedCondition = job.status.conditions.find((x) => x.type === 'Failed');
    assert.equal(failedCondition?.reason, 'BackoffLimitExceeded');
    assert.equal(failedCondition?.message, 'Job has reached the specified backoff limit');
    assert.match(await k('get', 'job', 'fails'), /^fails\s+Failed\s+0\/1\s/m);
    assert.equal(c.pods(NS, (p) => p.metadata.labels?.['job-name'] === 'fails').length, 2);
    const events = await k('get', 'events', '--field-selector', 'involvedObject.name=fails');
    assert.match(events, /BackoffLimitExceeded/);
  });

  test('activeDeadlineSeconds ends a running Job (DeadlineExceeded); ttlSecondsAfterFinished deletes a finished one', async () => {
    const slow = jobYaml('slow').replace('  template:', '  activeDeadlineSeconds: 1\n  template:').replace(`image: ${IMAGE}`, `image: ${FOREVER}`);
    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], slow);
    await kubectlOk(c, ['-n', NS, 'wait', '--for=condition=failed', 'job/slow', '--timeout=30s'], undefined, 40_000);
    const job = JSON.parse(await k('get', 'job', 'slow', '-o', 'json')) as { status: { conditions: { type: string; reason: string; message: string }[] } };
    assert.deepEqual(job.status.conditions.find((x) => x.type === 'Failed'), { ...job.status.conditions.find((x) => x.type === 'Failed'), reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    await waitFor('the running pod deleted', () => c.pods(NS, (p) => p.metadata.labels?.['job-name'] === 'slow').length === 0);

    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], jobYaml('shortlived').replace('  template:', '  ttlSecondsAfterFinished: 0\n  template:'));
    await waitFor('the finished Job deleted', () => !jobs().some((j) => j.metadata.name === 'shortlived'), { timeoutMs: 30_000 });
    await waitFor('its pod collected', () => c.pods(NS, (p) => p.metadata.labels?.['job-name'] === 'shortlived').length === 0);
  });

  test('invalid Jobs and CronJobs are refused with the API server messages', async () => {
    const noPolicy = await kubectlRefused(c, ['-n', NS, 'apply', '-f', '-'], jobYaml('bad', { restartPolicy: null }));
    assert.match(noPolicy, /The Job "bad" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"/);
    const negative = await kubectlRefused(c, ['-n', NS, 'apply', '-f', '-'], jobYaml('neg', { backoffLimit: -1 }));
    assert.match(negative, /spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0/);
    const cron = (schedule: string) => `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: badcron\nspec:\n  schedule: "${schedule}"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: c\n            image: ${IMAGE}\n`;
    assert.match(await kubectlRefused(c, ['-n', NS, 'apply', '-f', '-'], cron('* * *')), /spec.schedule: Invalid value: "\* \* \*": expected exactly 5 fields, found 3: \[\* \* \*\]/);
    assert.match(await kubectlRefused(c, ['-n', NS, 'apply', '-f', '-'], cron('61 * * * *')), /spec.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
    assert.match(await kubectlRefused(c, ['-n', NS, 'apply', '-f', '-'], cron('@fortnightly')), /unrecognized descriptor: @fortnightly/);
    assert.equal(jobs().filter((j) => ['bad', 'neg'].includes(j.metadata.name!)).length, 0);
  });

  test('a CronJob creates <name>-<minute> Jobs on its clock, keeps history limits, and kubectl create job --from works', async () => {
    // The manual clock starts at real time, so the CronJob's creationTimestamp is not in its future.
    clock.advance(Math.max(0, Date.now() - clock.now()));
    const manifest = `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: tick\nspec:\n  schedule: "*/1 * * * *"\n  successfulJobsHistoryLimit: 1\n  jobTemplate:\n    metadata:\n      labels:\n        app: tick\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n          - name: c\n            image: ${IMAGE}\n`;
    await kubectlOk(c, ['-n', NS, 'apply', '-f', '-'], manifest);
    const cronTable = await k('get', 'cronjobs');
    assert.match(cronTable, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/m);
    assert.match(cronTable, /^tick\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s$/m);
    assert.equal(jobs().filter((j) => j.metadata.labels?.app === 'tick').length, 0, 'nothing runs before the first scheduled minute');

    const runAt = async () => {
      const minute = Math.floor(clock.now() / 60_000) + 1;
      clock.advance(minute * 60_000 + 1000 - clock.now());
      const name = `tick-${minute}`;
      await waitFor(`job ${name}`, () => jobs().find((j) => j.metadata.name === name));
      await kubectlOk(c, ['-n', NS, 'wait', '--for=condition=complete', `job/${name}`, '--timeout=30s'], undefined, 40_000);
      return name;
    };
    const first = await runAt();
    const job = jobs().find((j) => j.metadata.name === first)!;
    assert.deepEqual(job.metadata.ownerReferences?.map((r) => [r.kind, r.name]), [['CronJob', 'tick']]);
    assert.equal(job.metadata.labels?.app, 'tick');
    assert.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(Math.floor(clock.now() / 60_000) * 60_000).toISOString().replace('.000Z', 'Z'));
    const second = await runAt();
    // History: one successful Job kept, the older one deleted.
    await waitFor(`${first} pruned`, () => !jobs().some((j) => j.metadata.name === first));
    assert.ok(jobs().some((j) => j.metadata.name === second));
    const cj = await waitFor('lastScheduleTime', () => {
      const obj = c.sandbox.api.get(c.sandbox.api.type('batch', 'cronjobs'), NS, 'tick') as KubeObject & { status?: { lastScheduleTime?: string; lastSuccessfulTime?: string; active?: unknown[] } };
      return obj.status?.lastSuccessfulTime && !obj.status.active ? obj : undefined;
    });
    assert.ok(cj.status?.lastScheduleTime);
    const described = await k('describe', 'cronjob', 'tick');
    assert.match(described, /^Schedule:\s+\*\/1 \* \* \* \*$/m);
    assert.match(described, /^Last Schedule Time:\s+\S+/m);

    // A Job created from the CronJob is owned by it and counts towards its history: keep room for it.
    await k('patch', 'cronjob', 'tick', '-p', '{"spec":{"successfulJobsHistoryLimit":3}}');
    await k('create', 'job', 'manual', '--from=cronjob/tick');
    await kubectlOk(c, ['-n', NS, 'wait', '--for=condition=complete', 'job/manual', '--timeout=30s'], undefined, 40_000);
    const manual = jobs().find((j) => j.metadata.name === 'manual')!;
    assert.equal(manual.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');

    // Suspended: the clock passes a scheduled minute and nothing is created.
    await k('patch', 'cronjob', 'tick', '-p', '{"spec":{"suspend":true}}');
    await waitFor('suspend seen', async () => (await k('get', 'cronjob', 'tick', '-o', 'jsonpath={.spec.suspend}')) === 'true');
    const before = jobs().length;
    clock.advance(120_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(jobs().length, before);
  });
});
