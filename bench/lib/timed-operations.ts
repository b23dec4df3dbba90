// REST operations against the playground server, timed per operation name, with errors counted (and a few
// kept as samples) instead of thrown: a benchmark reports failures alongside its latencies.

export class TimedOperations {
  readonly latencies = new Map<string, number[]>();
  errors = 0;
  readonly errorSamples: string[] = [];

  /** One request; the parsed JSON answer, or undefined when it failed (counted). */
  async op(name: string, base: string, method: string, path: string, token?: string, body?: unknown): Promise<any> {
    const started = performance.now();
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(180_000) });
      const text = await res.text();
      if (res.status >= 400) throw new Error(`${res.status} ${text.slice(0, 200)}`);
      return JSON.parse(text);
    } catch (err) {
      this.errors++;
      if (this.errorSamples.length < 5) this.errorSamples.push(`${name}: ${(err as Error).message}`);
      return undefined;
    } finally {
      const list = this.latencies.get(name) ?? [];
      list.push(performance.now() - started);
      this.latencies.set(name, list);
    }
  }
}
