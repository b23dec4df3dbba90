// How emojivoto's services call each other in the sandbox. Upstream, web calls emoji-svc and voting-svc over gRPC
// (HTTP/2) on port 8080. The sandbox mesh relays HTTP/1.1 only, so the calls are HTTP/1.1 POSTs of JSON to the gRPC
// method paths (`/emojivoto.v1.EmojiService/ListAll`, `/emojivoto.v1.VotingService/VoteJoy` …): the mesh's per-route
// metrics and tap show the same paths as upstream, but a gRPC client cannot talk to these services (a known gap).
import { request } from 'node:http';
import type { WorkloadContext } from '../../runtime/workload.js';
import { readBody, type AppRequest, type AppResponse } from '../http-workload.js';

export const EMOJI_SERVICE = '/emojivoto.v1.EmojiService';
export const VOTING_SERVICE = '/emojivoto.v1.VotingService';
export const RPC_TIMEOUT_MS = 5_000;
const RPC_RESPONSE_LIMIT = 256 * 1024;

export class RpcError extends Error {}

/** Call `method` (a gRPC path) on `hostPort` (EMOJISVC_HOST/VOTINGSVC_HOST: `emoji-svc.emojivoto:8080`). */
export function callRpc<T>(ctx: WorkloadContext, hostPort: string, method: string, message: object, forward: Record<string, string> = {}): Promise<T> {
  const [host, port] = splitHostPort(hostPort);
  const payload = JSON.stringify(message);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent: ctx.agent,
        host,
        port,
        path: method,
        method: 'POST',
        timeout: RPC_TIMEOUT_MS,
        headers: { ...forward, host: hostPort, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        readBody(res, RPC_RESPONSE_LIMIT).then((text) => {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          if (res.statusCode === 200 && body && typeof body === 'object') return resolve(body as T);
          // What grpc-go's error string looks like when the server returns a plain error (codes.Unknown).
          const desc = (body as { error?: unknown } | undefined)?.error ?? (text || `HTTP ${res.statusCode}`);
          reject(new RpcError(`rpc error: code = Unknown desc = ${String(desc)}`));
        }, reject);
      },
    );
    req.on('timeout', () => req.destroy(new RpcError('rpc error: code = DeadlineExceeded desc = context deadline exceeded')));
    req.on('error', (err) => reject(err instanceof RpcError ? err : new RpcError(`rpc error: code = Unavailable desc = ${err.message}`)));
    req.end(payload);
  });
}

/** The server side: POST `<service>/<Method>` with a JSON message → the method's JSON answer. */
export function rpcRoute(req: AppRequest, service: string): { method: string; message: Record<string, unknown> } | AppResponse {
  if (!req.path.startsWith(`${service}/`)) return { status: 404, body: { error: `unknown service for ${req.path}` } };
  if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST' }, body: { error: 'rpc methods take POST' } };
  let message: unknown = {};
  if (req.body) {
    try {
      message = JSON.parse(req.body);
    } catch {
      return { status: 400, body: { error: 'message: not JSON' } };
    }
  }
  if (!message || typeof message !== 'object' || Array.isArray(message)) return { status: 400, body: { error: 'message: must be a JSON object' } };
  return { method: req.path.slice(service.length + 1), message: message as Record<string, unknown> };
}

function splitHostPort(hostPort: string): [string, number] {
  const i = hostPort.lastIndexOf(':');
  const port = i > 0 ? Number(hostPort.slice(i + 1)) : 80;
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) return [hostPort, 80];
  return [hostPort.slice(0, i), port];
}
