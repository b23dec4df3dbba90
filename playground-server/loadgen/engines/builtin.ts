// The built-in engine: open or closed model, corrected and uncorrected HDR histograms, distributed.
import { runLoadTest } from '../coordinator.js';
import type { LoadEngine } from '../engine.js';

export const builtinEngine: LoadEngine = {
  name: 'builtin',
  availability: async () => ({ available: true }),
  unsupported: () => null,
  run: (options, hooks) => runLoadTest(options, hooks),
};
