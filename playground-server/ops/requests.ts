// sendRequest: what the API docs' try-it panels call.
import type { Dispatcher } from '../api/dispatcher.js';
import { sendFromWorkload } from '../requests/send-request.js';
import { sessionOf, type OpDeps } from './deps.js';

export function registerRequestOps(d: Dispatcher, _deps: OpDeps): void {
  d.register('sendRequest', async (params, ctx) => sendFromWorkload(sessionOf(ctx), params, ctx.signal));
}
