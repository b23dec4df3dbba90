// Code samples for an operation, built from its example request: curl, JavaScript fetch and the WebSocket
// message — and for the sample app, the in-mesh request (the terminal's curl, and sendRequest).
import { exampleRequest, fillPath, type OperationModel } from './spec-model.ts';

export interface CodeSample { label: string; lang: string; code: string }

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function urlOf(op: OperationModel, ex: ReturnType<typeof exampleRequest>): string {
  const qs = new URLSearchParams(ex.query).toString();
  return fillPath(op.path, ex.path) + (qs ? `?${qs}` : '');
}

function playgroundSamples(op: OperationModel): CodeSample[] {
  const ex = exampleRequest(op);
  const url = urlOf(op, ex);
  const body = ex.body === undefined ? undefined : JSON.stringify(ex.body);
  const curl = [`curl${op.stream ? ' -N' : ''} -X ${op.method} "$PLAYGROUND${url}"`];
  if (op.needsSession) curl.push(`  -H "Authorization: Bearer $PG_TOKEN"`);
  if (body) curl.push(`  -H 'content-type: application/json'`, `  -d ${shellQuote(body)}`);
  const init: string[] = [`method: '${op.method}'`];
  if (body) init.push(`headers: { 'content-type': 'application/json' }`, `body: JSON.stringify(${JSON.stringify(ex.body, null, 2).replace(/\n/g, '\n  ')})`);
  const fetchCode = op.stream
    ? `// The session cookie (pg_session) rides along on the same origin.\nconst res = await fetch('${url}', {\n  ${init.join(',\n  ')},\n});\n// NDJSON: {"event": …} lines, then one {"result": …} or {"error": …} line.\nconst reader = res.body.pipeThrough(new TextDecoderStream()).getReader();\nlet buffered = '';\nfor (let r = await reader.read(); !r.done; r = await reader.read()) {\n  buffered += r.value;\n  const lines = buffered.split('\\n');\n  buffered = lines.pop();\n  for (const line of lines) if (line) console.log(JSON.parse(line));\n}`
    : `// The session cookie (pg_session) rides along on the same origin.\nconst res = await fetch('${url}', {\n  ${init.join(',\n  ')},\n});\nconst data = await res.json();\nif (!res.ok) throw new Error(\`\${data.reason}: \${data.message}\`);`;
  const samples: CodeSample[] = [
    { label: 'curl', lang: 'sh', code: curl.join(' \\\n') },
    { label: 'JavaScript fetch', lang: 'js', code: fetchCode },
  ];
  if (!op.restOnly) {
    const params = { ...ex.path, ...ex.query, ...(ex.body && typeof ex.body === 'object' ? (ex.body as object) : {}) };
    samples.push({
      label: 'WebSocket message',
      lang: 'json',
      code: `${JSON.stringify({ id: '1', op: op.id, params }, null, 2)}\n\n// answers: ${op.stream || op.streamEvents ? '{"id": "1", "event": …} frames, then ' : ''}{"id": "1", "result": …} or {"id": "1", "error": {code, reason, message}}`,
    });
  }
  return samples;
}

function sampleAppSamples(op: OperationModel): CodeSample[] {
  const ex = exampleRequest(op);
  const target = `${op.serviceUrl}${urlOf(op, ex)}`;
  const body = ex.body === undefined ? undefined : JSON.stringify(ex.body);
  const headerFlags = Object.entries(ex.headers).map(([k, v]) => ` -H ${shellQuote(`${k}: ${v}`)}`).join('');
  const terminal = `curl -i${op.method !== 'GET' ? ` -X ${op.method}` : ''}${headerFlags}${body ? ` -H 'content-type: application/json' -d ${shellQuote(body)}` : ''} ${target}`;
  const send = { url: target, method: op.method, ...(Object.keys(ex.headers).length || body ? { headers: { ...ex.headers, ...(body ? { 'content-type': 'application/json' } : {}) } } : {}), ...(body ? { body } : {}) };
  return [
    { label: 'curl from a workload', lang: 'sh', code: `# in the playground terminal: sent from the curl workload, through its sidecar\n${terminal}` },
    { label: 'WebSocket message', lang: 'json', code: JSON.stringify({ id: '1', op: 'sendRequest', params: send }, null, 2) },
    { label: 'curl (playground API)', lang: 'sh', code: `curl -X POST "$PLAYGROUND/api/session/requests" \\\n  -H "Authorization: Bearer $PG_TOKEN" \\\n  -H 'content-type: application/json' \\\n  -d ${shellQuote(JSON.stringify(send))}` },
  ];
}

export function codeSamples(op: OperationModel): CodeSample[] {
  return op.spec === 'bookinfo' ? sampleAppSamples(op) : playgroundSamples(op);
}
