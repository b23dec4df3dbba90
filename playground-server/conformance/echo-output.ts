// The echo `client` program's output, parsed as upstream's conformance/utils/echo/parse.go parses it: the first
// `Field=value` of each field anywhere in the text, every RequestHeader/ResponseHeader line, and one response per
// blank-line-separated section for batches (--count).

export interface EchoResponse {
  code: string;
  hostname: string;
  method: string;
  url: string;
  host: string;
  /** Header name (lower case) → values, as the backend received them. */
  requestHeaders: Map<string, string[]>;
  /** Header name (lower case) → value, as the client received it (the last one wins, as http.Header.Set). */
  responseHeaders: Map<string, string>;
  raw: string;
}

const first = (output: string, field: string, caseInsensitive = false): string => {
  const m = new RegExp(`${field}=(.*)`, caseInsensitive ? 'i' : '').exec(output);
  return m ? m[1] : '';
};

export function parseEchoResponse(output: string): EchoResponse {
  const requestHeaders = new Map<string, string[]>();
  const responseHeaders = new Map<string, string>();
  for (const m of output.matchAll(/RequestHeader=(.*)/g)) {
    const at = m[1].indexOf(':');
    if (at < 0) continue;
    const key = m[1].slice(0, at).toLowerCase();
    requestHeaders.set(key, [...(requestHeaders.get(key) ?? []), m[1].slice(at + 1)]);
  }
  for (const m of output.matchAll(/ResponseHeader=(.*)/g)) {
    const at = m[1].indexOf(':');
    if (at >= 0) responseHeaders.set(m[1].slice(0, at).toLowerCase(), m[1].slice(at + 1));
  }
  return {
    code: first(output, 'StatusCode'),
    // "Hostname=" and not the "Host=" inside it: parse.go's hostname regex is its own field.
    hostname: first(output, 'Hostname'),
    method: first(output, 'Method'),
    url: first(output, 'URL'),
    host: first(output, '(?<![A-Za-z])Host'),
    requestHeaders,
    responseHeaders,
    raw: output,
  };
}

/** One response per section of a `--count=N` run (parseMultipleResponses). */
export function parseEchoBatch(output: string): EchoResponse[] {
  return output
    .split('\n\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseEchoResponse)
    .filter((r) => r.hostname !== '' || r.code !== '');
}
