// Code samples for an operation, all built from one description of the HTTP call (its example request):
// curl, JavaScript fetch, Python (requests), Go (net/http), kubectl where the operation is a Kubernetes one, and
// the WebSocket message. For the sample app the call is the playground's sendRequest (the request is sent from
// the curl workload inside the mesh), plus the terminal line and `kubectl exec` into that workload.
import { exampleRequest, fillPath, type OperationModel } from './spec-model.ts';

export type SampleId = 'curl' | 'fetch' | 'python' | 'go' | 'kubectl' | 'websocket' | 'terminal';
export interface CodeSample { id: SampleId; label: string; lang: string; code: string }

/** One HTTP call to the playground API, as every language's sample makes it. */
export interface HttpCall {
  method: string;
  /** Path and query, already encoded (`/api/session/resources/deployments?labelSelector=app%3Dreviews`). */
  url: string;
  /** Sends the session's bearer token ($PG_TOKEN); in the browser the pg_session cookie does instead. */
  auth: boolean;
  body?: unknown;
  /** What the success answer is: one JSON document, NDJSON lines (events, then one result), or plain text. */
  answer: 'json' | 'ndjson' | 'text';
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function urlOf(op: OperationModel, ex: ReturnType<typeof exampleRequest>): string {
  const qs = new URLSearchParams(ex.query).toString();
  return fillPath(op.path, ex.path) + (qs ? `?${qs}` : '');
}

function answerOf(op: OperationModel): HttpCall['answer'] {
  const ok = op.responses.find((r) => r.status.startsWith('2'));
  if (op.stream || (ok?.contentType ?? '').includes('ndjson')) return 'ndjson';
  return !ok?.contentType || ok.contentType.includes('json') ? 'json' : 'text';
}

export function curlSample(call: HttpCall): string {
  const lines = [`curl${call.answer === 'ndjson' ? ' -N' : ''} -sS -X ${call.method} "$PLAYGROUND${call.url}"`];
  if (call.auth) lines.push(`  -H "Authorization: Bearer $PG_TOKEN"`);
  if (call.body !== undefined) lines.push(`  -H 'content-type: application/json'`, `  -d ${shellQuote(JSON.stringify(call.body))}`);
  return lines.join(' \\\n');
}

export function fetchSample(call: HttpCall): string {
  const init: string[] = [`method: '${call.method}'`];
  if (call.body !== undefined) init.push(`headers: { 'content-type': 'application/json' }`, `body: JSON.stringify(${JSON.stringify(call.body, null, 2).replace(/\n/g, '\n  ')})`);
  const head = `// In the browser on the playground's origin the session cookie (pg_session) rides along.\nconst res = await fetch('${call.url.replace(/'/g, "\\'")}', {\n  ${init.join(',\n  ')},\n});\n`;
  if (call.answer === 'ndjson') {
    return `${head}if (!res.ok) throw new Error(await res.text());\n// NDJSON: {"event": …} lines, then one {"result": …} or {"error": …} line.\nconst reader = res.body.pipeThrough(new TextDecoderStream()).getReader();\nlet buffered = '';\nfor (let r = await reader.read(); !r.done; r = await reader.read()) {\n  buffered += r.value;\n  const lines = buffered.split('\\n');\n  buffered = lines.pop();\n  for (const line of lines) if (line) console.log(JSON.parse(line));\n}`;
  }
  if (call.answer === 'text') return `${head}if (!res.ok) throw new Error(await res.text());\nconsole.log(await res.text());`;
  return `${head}const data = await res.json();\nif (!res.ok) throw new Error(\`\${data.reason}: \${data.message}\`);\nconsole.log(data);`;
}

/** A JSON value as a Python literal (None/True/False; strings in JSON's escapes, which Python reads alike). */
export function pythonLiteral(v: unknown, indent = ''): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'None';
  if (typeof v === 'string') return JSON.stringify(v);
  const inner = `${indent}    `;
  if (Array.isArray(v)) return v.length ? `[\n${v.map((x) => `${inner}${pythonLiteral(x, inner)},`).join('\n')}\n${indent}]` : '[]';
  const entries = Object.entries(v as Record<string, unknown>);
  return entries.length ? `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pythonLiteral(x, inner)},`).join('\n')}\n${indent}}` : '{}';
}

export function pythonSample(call: HttpCall): string {
  const [path, query] = call.url.split('?');
  const args = [`    f"{PLAYGROUND}${path.replace(/[{}]/g, (c) => c + c)}",`];
  if (query) args.push(`    params=${pythonLiteral(Object.fromEntries(new URLSearchParams(query)), '    ')},`);
  if (call.auth) args.push(`    headers={"Authorization": f"Bearer {TOKEN}"},`);
  if (call.body !== undefined) args.push(`    json=${pythonLiteral(call.body, '    ')},`);
  if (call.answer === 'ndjson') args.push('    stream=True,');
  args.push('    timeout=120,');
  const imports = [call.answer === 'ndjson' ? 'import json\n' : '', 'import os\n\nimport requests\n'].join('');
  const setup = `PLAYGROUND = os.environ["PLAYGROUND"]\n${call.auth ? 'TOKEN = os.environ["PG_TOKEN"]\n' : ''}`;
  const request = `res = requests.${call.method.toLowerCase()}(\n${args.join('\n')}\n)\n`;
  const answer =
    call.answer === 'json'
      ? `data = res.json()\nif not res.ok:\n    raise SystemExit(f"{data['reason']}: {data['message']}")\nprint(data)`
      : call.answer === 'text'
        ? `if not res.ok:\n    raise SystemExit(res.text)\nprint(res.text)`
        : `if not res.ok:\n    raise SystemExit(res.text)\n# NDJSON: {"event": ...} lines, then one {"result": ...} or {"error": ...} line.\nfor line in res.iter_lines():\n    if line:\n        print(json.loads(line))`;
  return `${imports}\n${setup}\n${request}${answer}\n`;
}

const GO_METHODS: Record<string, string> = { GET: 'MethodGet', POST: 'MethodPost', PUT: 'MethodPut', DELETE: 'MethodDelete', PATCH: 'MethodPatch', HEAD: 'MethodHead', OPTIONS: 'MethodOptions' };

/** A Go string literal: a raw string when the text allows one, else an interpreted one (JSON's escapes are Go's). */
export function goString(text: string): string {
  return text.includes('`') || text.includes('\r') ? JSON.stringify(text) : `\`${text}\``;
}

export function goSample(call: HttpCall): string {
  const imports = new Set(['fmt', 'io', 'net/http', 'os']);
  const body: string[] = [];
  let reader = 'nil';
  if (call.body !== undefined) {
    imports.add('strings');
    const json = JSON.stringify(call.body);
    body.push(`\tbody := strings.NewReader(${goString(json.length > 72 ? JSON.stringify(call.body, null, 2) : json)})`);
    reader = 'body';
  }
  body.push(
    `\treq, err := http.NewRequest(http.${GO_METHODS[call.method] ?? `Method${call.method}`}, os.Getenv("PLAYGROUND")+${JSON.stringify(call.url)}, ${reader})`,
    '\tif err != nil {\n\t\tpanic(err)\n\t}',
  );
  if (call.auth) body.push('\treq.Header.Set("Authorization", "Bearer "+os.Getenv("PG_TOKEN"))');
  if (call.body !== undefined) body.push('\treq.Header.Set("Content-Type", "application/json")');
  body.push('\tres, err := http.DefaultClient.Do(req)', '\tif err != nil {\n\t\tpanic(err)\n\t}', '\tdefer res.Body.Close()');
  if (call.answer === 'ndjson') {
    imports.add('bufio');
    body.push(
      '\tif res.StatusCode >= 400 {\n\t\tdata, _ := io.ReadAll(res.Body)\n\t\tfmt.Fprintf(os.Stderr, "%s: %s\\n", res.Status, data)\n\t\tos.Exit(1)\n\t}',
      '\t// NDJSON: {"event": …} lines, then one {"result": …} or {"error": …} line.',
      '\tlines := bufio.NewScanner(res.Body)',
      '\tlines.Buffer(make([]byte, 0, 64*1024), 4<<20)',
      '\tfor lines.Scan() {\n\t\tfmt.Println(lines.Text())\n\t}',
    );
  } else {
    body.push(
      '\tdata, err := io.ReadAll(res.Body)',
      '\tif err != nil {\n\t\tpanic(err)\n\t}',
      '\tif res.StatusCode >= 400 {\n\t\tfmt.Fprintf(os.Stderr, "%s: %s\\n", res.Status, data)\n\t\tos.Exit(1)\n\t}',
      '\tfmt.Println(string(data))',
    );
  }
  const importBlock = [...imports].sort().map((i) => `\t"${i}"`).join('\n');
  return `package main\n\nimport (\n${importBlock}\n)\n\nfunc main() {\n${body.join('\n')}\n}\n`;
}

const KUBECONFIG_NOTE = '# KUBECONFIG: your session\'s kubeconfig (downloadKubeconfig), scoped to its namespace\n';

/** The same thing with kubectl, for the operations that are Kubernetes API calls in the session's namespace. */
export function kubectlSample(op: OperationModel): string | undefined {
  if (op.spec !== 'playground') return undefined;
  const ex = exampleRequest(op);
  const body = (ex.body ?? {}) as Record<string, unknown>;
  const resource = ex.path.resource;
  switch (op.id) {
    case 'downloadKubeconfig':
      return `curl -sS "$PLAYGROUND/api/session/kubeconfig" \\\n  -H "Authorization: Bearer $PG_TOKEN" -o session.kubeconfig\nexport KUBECONFIG="$PWD/session.kubeconfig"\nkubectl get pods`;
    case 'applyResources': {
      const flags = ['--server-side', ...(body.dryRun ? ['--dry-run=server'] : []), ...(body.force ? ['--force-conflicts'] : [])];
      const manifest = String(body.manifest ?? '').replace(/\n$/, '');
      return `${KUBECONFIG_NOTE}kubectl apply ${flags.join(' ')} -f - <<'EOF'\n${manifest}\nEOF`;
    }
    case 'listResources':
      return `${KUBECONFIG_NOTE}kubectl get ${resource}${ex.query.labelSelector ? ` -l ${shellQuote(ex.query.labelSelector)}` : ''} -o json`;
    case 'getResource':
      return `${KUBECONFIG_NOTE}kubectl get ${resource} ${ex.path.name} -o json`;
    case 'deleteResource':
      return `${KUBECONFIG_NOTE}kubectl delete ${resource} ${ex.path.name}`;
    case 'runTerminal':
      return typeof body.line === 'string' && body.line.startsWith('kubectl ') ? `${KUBECONFIG_NOTE}${body.line}` : undefined;
    default:
      return undefined;
  }
}

function playgroundSamples(op: OperationModel): CodeSample[] {
  const ex = exampleRequest(op);
  const call: HttpCall = { method: op.method, url: urlOf(op, ex), auth: op.needsSession, body: ex.body, answer: answerOf(op) };
  const samples: CodeSample[] = [
    { id: 'curl', label: 'curl', lang: 'sh', code: curlSample(call) },
    { id: 'fetch', label: 'JavaScript fetch', lang: 'js', code: fetchSample(call) },
    { id: 'python', label: 'Python', lang: 'python', code: pythonSample(call) },
    { id: 'go', label: 'Go', lang: 'go', code: goSample(call) },
  ];
  const kubectl = kubectlSample(op);
  if (kubectl) samples.push({ id: 'kubectl', label: 'kubectl', lang: 'sh', code: kubectl });
  if (!op.restOnly) {
    const params = { ...ex.path, ...ex.query, ...(ex.body && typeof ex.body === 'object' ? (ex.body as object) : {}) };
    samples.push({
      id: 'websocket',
      label: 'WebSocket',
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
  const curlArgs = `${op.method !== 'GET' ? ` -X ${op.method}` : ''}${headerFlags}${body ? ` -H 'content-type: application/json' -d ${shellQuote(body)}` : ''} ${target}`;
  const send = { url: target, method: op.method, ...(Object.keys(ex.headers).length || body ? { headers: { ...ex.headers, ...(body ? { 'content-type': 'application/json' } : {}) } } : {}), ...(body ? { body } : {}) };
  const call: HttpCall = { method: 'POST', url: '/api/session/requests', auth: true, body: send, answer: 'json' };
  return [
    { id: 'terminal', label: 'Terminal', lang: 'sh', code: `# in the playground terminal: sent from the curl workload, through its sidecar\ncurl -i${curlArgs}` },
    { id: 'kubectl', label: 'kubectl', lang: 'sh', code: `${KUBECONFIG_NOTE}kubectl exec deploy/curl -- curl -sS -i${curlArgs}` },
    { id: 'curl', label: 'curl', lang: 'sh', code: `# through the playground API (sendRequest): the curl workload sends it\n${curlSample(call)}` },
    { id: 'fetch', label: 'JavaScript fetch', lang: 'js', code: fetchSample(call) },
    { id: 'python', label: 'Python', lang: 'python', code: pythonSample(call) },
    { id: 'go', label: 'Go', lang: 'go', code: goSample(call) },
    { id: 'websocket', label: 'WebSocket', lang: 'json', code: JSON.stringify({ id: '1', op: 'sendRequest', params: send }, null, 2) },
  ];
}

export function codeSamples(op: OperationModel): CodeSample[] {
  return op.spec === 'bookinfo' ? sampleAppSamples(op) : playgroundSamples(op);
}
