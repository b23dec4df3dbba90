// Lines from a streamed response of the Kubernetes API (a watch, `pods/log?follow=true`, a proxy's NDJSON tap),
// one at a time and with back-pressure: the stream is read only as fast as the caller consumes lines, and a
// line longer than the caller's limit is dropped whole rather than held. Written here instead of node:readline
// because readline's async iterator keeps reading (and buffering) while the consumer awaits, and has no limit.
import type { Readable } from 'node:stream';

export interface LineReadOptions {
  /** Longest line kept, in characters; a longer one is skipped up to its newline. Unlimited when absent. */
  maxLineChars?: number;
}

/**
 * Yields each `\n`-terminated line (without the `\n`), then the unterminated rest if any. Ends when the stream
 * does; throws what the stream throws (after the unterminated rest). Leaving the loop early destroys the stream.
 */
export async function* readLines(stream: Readable, opts: LineReadOptions = {}): AsyncGenerator<string> {
  const max = opts.maxLineChars ?? Infinity;
  stream.setEncoding('utf8');
  let buffer = '';
  let skipping = false; // inside a line that outgrew the limit: drop up to its newline
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let start = 0;
      let nl: number;
      while ((nl = chunk.indexOf('\n', start)) >= 0) {
        const piece = chunk.slice(start, nl);
        start = nl + 1;
        if (skipping) {
          skipping = false;
          continue;
        }
        const line = buffer + piece;
        buffer = '';
        if (line.length <= max) yield line;
      }
      if (skipping) continue;
      buffer += chunk.slice(start);
      if (buffer.length > max) {
        buffer = '';
        skipping = true;
      }
    }
  } catch (err) {
    if (buffer) yield buffer; // what arrived before the stream was cut
    throw err;
  }
  if (buffer) yield buffer;
}

/**
 * NDJSON: each non-blank line parsed as JSON; a line that is not JSON is skipped (one bad event from a
 * source must not end the stream). The caller validates the shape.
 */
export async function* readJsonLines<T>(stream: Readable, opts: LineReadOptions = {}): AsyncGenerator<T> {
  for await (const line of readLines(stream, opts)) {
    if (!line.trim()) continue;
    let value: T;
    try {
      value = JSON.parse(line) as T;
    } catch {
      continue;
    }
    yield value;
  }
}
