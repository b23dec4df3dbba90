// fortio's report formats, checked against numbers from fortio's own output in Istio's circuit-breaking task: Go's
// %g family, time.Duration strings, and the histogram's ranges and percentile targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration, goG } from '../../sandbox/apps/fortio/go-format.js';
import { Histogram } from '../../sandbox/apps/fortio/histogram.js';

test("Go's %g, %.Ng and Duration as fortio prints them", () => {
  assert.equal(goG(0.0144329), '0.0144329');
  assert.equal(goG(0.000499), '0.000499');
  assert.equal(goG(0.0000499), '4.99e-05');
  assert.equal(goG(334.1634, 5), '334.16');
  assert.equal(goG(0.0040001633, 8), '0.0040001633');
  assert.equal(goG(0.00583333333, 6), '0.00583333');
  assert.equal(goG(100, 6), '100');
  assert.equal(goG(1234567, 6), '1.23457e+06');
  assert.equal(goG(84.3666666667, 8), '84.366667');
  assert.equal(goG(0), '0');
  assert.equal(goDuration(59_852_400), '59.8524ms');
  assert.equal(goDuration(51_994_600), '51.9946ms');
  assert.equal(goDuration(5_000_000_000), '5s');
  assert.equal(goDuration(90_500_000_000), '1m30.5s');
});

test("the histogram's ranges and targets follow fortio's buckets (values in seconds, 1 ms resolution)", () => {
  const h = new Histogram(0, 0.001);
  // 10 calls: 2 under 1 ms, 3 in (3 ms, 4 ms], 4 in (4 ms, 5 ms], 1 at 14.4329 ms.
  for (const v of [0.000499, 0.0008, 0.0031, 0.0035, 0.004, 0.0041, 0.0042, 0.0045, 0.005, 0.0144329]) h.record(v);
  assert.deepEqual(h.lines('Aggregated Function Time', [50, 90, 99]), [
    'Aggregated Function Time : count 10 avg 0.00441319 +/- 0.003633 min 0.000499 max 0.0144329 sum 0.0441319',
    '# range, mid point, percentile, count',
    '>= 0.000499 <= 0.001 , 0.0007495 , 20.00, 2',
    '> 0.003 <= 0.004 , 0.0035 , 50.00, 3',
    '> 0.004 <= 0.005 , 0.0045 , 90.00, 4',
    '> 0.014 <= 0.0144329 , 0.0142165 , 100.00, 1',
    '# target 50% 0.004',
    '# target 90% 0.005',
    '# target 99% 0.0143896',
  ]);
  assert.deepEqual(new Histogram().lines('Error cases', [50]), ['Error cases : no data']);
});
