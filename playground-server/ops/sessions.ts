// Sessions: create (streams readiness over the socket), resume, describe, end, and the kubeconfig download.
import { RawResult, type Dispatcher } from '../api/dispatcher.js';
import { sessionOf, type OpDeps } from './deps.js';

export function registerSessionOps(d: Dispatcher, deps: OpDeps): void {
  d.register('createSession', async (params, ctx) => {
    const { session, token } = await deps.sessions.create(params.apps, (event) => ctx.emit(event), ctx.signal, ctx.client);
    ctx.bindSession(session, token);
    return { token, session: await deps.sessions.describe(session, ctx.signal) };
  });

  d.register('resumeSession', async (params, ctx) => {
    const session = await deps.sessions.resume(params.token, () => undefined, ctx.signal);
    ctx.bindSession(session, params.token);
    return { token: params.token, session: await deps.sessions.describe(session, ctx.signal) };
  });

  d.register('describeSession', async (_params, ctx) => deps.sessions.describe(sessionOf(ctx), ctx.signal));

  d.register('endSession', async (_params, ctx) => {
    const session = sessionOf(ctx);
    await deps.sessions.end(session, 'ended');
    return { ended: true as const, namespace: session.namespace };
  });

  d.register('downloadKubeconfig', async (_params, ctx) => {
    const session = sessionOf(ctx);
    return new RawResult('application/yaml; charset=utf-8', session.kubeconfig(), {
      'content-disposition': `attachment; filename="${session.namespace}.kubeconfig"`,
    });
  });
}
