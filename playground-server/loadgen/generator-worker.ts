// Worker-thread entry of a generator: the spec is workerData; messages go over the parent port.
import { parentPort, workerData } from 'node:worker_threads';
import { hostGenerator } from './generator-host.js';
import type { CoordinatorMessage } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('generator-worker.ts must run in a worker thread');
void hostGenerator(workerData, {
  interactive: true,
  send: (msg) => port.postMessage(msg),
  onControl: (handler) => port.on('message', (m: CoordinatorMessage) => handler(m)),
}).then(() => port.close());
