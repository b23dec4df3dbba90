// The /benchmarks/scale/ page's parts that are not markup: the chart geometry (ticks cover the data, points land
// where their values say) and the data contract (the committed site data is a scale-test report; another shape
// is refused with a message naming what is missing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_BOX, layoutChart, niceTicks } from '../../site/src/lib/scaletest/chart.ts';
import { parseScaleData } from '../../site/src/lib/scaletest/data-contract.ts';

test('ticks are 1/2/5 × 10^k from 0 and cover the largest value', () => {
  assert.deepEqual(niceTicks(9), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(1246.2), [0, 500, 1000, 1500]);
  assert.deepEqual(niceTicks(0.3), [0, 0.1, 0.2, 0.3]);
  assert.deepEqual(niceTicks(0), [0, 1]);
});

test('points land on the plot where their values say', () => {
  const box = DEFAULT_BOX;
  const c = layoutChart([{ label: 'p99', className: 's1', points: [[1, 0], [10, 100]] }], box);
  const [a, b] = c.lines[0].dots;
  assert.equal(a.x, Math.round((box.left + (1 / 10) * (box.width - box.left - box.right)) * 10) / 10);
  assert.equal(a.y, box.height - box.bottom, 'zero sits on the x axis');
  assert.equal(b.x, box.width - box.right, 'the largest x at the right edge');
  assert.equal(b.y, box.top, '100 is the top tick');
  assert.equal(c.lines[0].path, `M${a.x} ${a.y} L${b.x} ${b.y}`);
  assert.deepEqual(c.xTicks.map((t) => t.value), [1, 10]);
  const withLimit = layoutChart([{ label: 'p99', className: 's1', points: [[1, 40]] }], box, [{ label: 'threshold', value: 250 }]);
  assert.equal(withLimit.yTicks.at(-1)?.value, 250, 'the scale reaches the threshold even when the data stays below it');
  assert.equal(withLimit.limits[0].y, box.top, 'the threshold is the top of the plot');
  assert.ok(withLimit.limits[0].y < withLimit.lines[0].dots[0].y, 'the threshold line sits above the point');
});

test('the committed site data is a scale-test report; another shape is refused', () => {
  const data = parseScaleData(JSON.parse(readFileSync(new URL('../../site/src/data/scale-test.json', import.meta.url), 'utf8')), 'scale-test.json');
  assert.ok(data.report.steps.length >= 1);
  assert.match(data.command, /^npx playground scale-test /);
  assert.equal('server' in data.report.cluster, false, 'the API server address is not published');
  assert.throws(() => parseScaleData({ command: 'x', report: { format: 'other', steps: [{}] } }, 'f.json'), /f\.json is not scale-test site data .*report\.format.*report\.steps\[0\]\.copies.*report\.verdict\.summary/);
});
