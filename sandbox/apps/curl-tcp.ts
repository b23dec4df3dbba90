// The curl client's TCP exchange (`POST /tcp` with {host, port, send, timeoutMs}): one connection opened as the pod's
// own programs open them (ctx.dial: cluster DNS and, in a meshed pod, capture by the sidecar), `send` written, and
// the first line the server answers read back — what `echo hello | nc tcp-echo 9000` shows, one connection per call.
// It answers {answer, latencyMs} or {error, code}. Only cluster Service names are dialled, never an IP literal.
import { isIP } from 'node:net';
import type { WorkloadContext } from '../runtime/workload.js';
import { json, type AppResponse } from './http-workload.js';

export const TCP_SEND_LIMIT = 1024;
/** An answer longer than this without a newline is cut there. */
export const TCP_ANSWER_LIMIT = 4096;
export const TCP_TIMEOUT_MAX_MS = 15_000;

interface TcpExchange {
  host: string;
  port: number;
  send: string;
  timeoutMs: number;
}

export function parseTcpExchange(text: string): TcpExchange | string {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'body: send JSON {"host", "port", "send", "timeoutMs"}';
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'body: must be a JSON object';
  if (typeof raw.host !== 'string' || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(raw.host)) return 'host: a Service name such as tcp-echo';
  if (isIP(raw.host)) return `host: ${raw.host} is an IP address; use a Service name`;
  if (typeof raw.port !== 'number' || !Number.isInteger(raw.port) || raw.port < 1 || raw.port > 65535) return 'port: an integer from 1 to 65535';
  const send = raw.send === undefined ? 'hello\n' : raw.send;
  if (typeof send !== 'string' || Buffer.byteLength(send) > TCP_SEND_LIMIT) return `send: a string of at most ${TCP_SEND_LIMIT} bytes`;
  const timeoutMs = raw.timeoutMs === undefined ? 5_000 : raw.timeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > TCP_TIMEOUT_MAX_MS) return `timeoutMs: an integer from 1 to ${TCP_TIMEOUT_MAX_MS}`;
  return { host: raw.host, port: raw.port, send, timeoutMs };
}

export function tcpExchange(ctx: WorkloadContext, x: TcpExchange): Promise<AppResponse> {
  if (!ctx.resolve(x.host)) return Promise.resolve(json(400, { error: `host: cluster DNS does not know "${x.host}"` }));
  const started = process.hrtime.bigint();
  const elapsed = () => Math.round((Number(process.hrtime.bigint() - started) / 1e6) * 100) / 100;
  return new Promise((resolve) => {
    const socket = ctx.dial(x.host, x.port);
    let answer = Buffer.alloc(0);
    let done = false;
    const finish = (out: AppResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => finish(json(504, { error: `no answer within ${x.timeoutMs} ms`, code: 'ETIMEDOUT', latencyMs: elapsed() })), x.timeoutMs);
    socket.on('connect', () => socket.write(x.send));
    socket.on('data', (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      const nl = answer.indexOf(10);
      if (nl !== -1 || answer.length >= TCP_ANSWER_LIMIT) finish(json(200, { answer: answer.subarray(0, nl === -1 ? TCP_ANSWER_LIMIT : nl).toString('utf8'), latencyMs: elapsed() }));
    });
    socket.on('end', () => finish(answer.length ? json(200, { answer: answer.toString('utf8'), latencyMs: elapsed() }) : json(502, { error: 'the connection closed without an answer', code: 'ECONNRESET', latencyMs: elapsed() })));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(json(502, { error: err.message, code: err.code ?? 'ERROR', latencyMs: elapsed() })));
  });
}
