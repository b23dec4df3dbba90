// JSON from outside (a REST body, a WebSocket message) is parsed only after a nesting check: a 20,000-deep
// array parses, but every recursive walk after it (schema validation, logging, cloning) would overflow the
// stack and answer 500. The check is one pass over the text, outside strings, before JSON.parse.
import { ApiError } from './errors.js';

/** Deepest nesting of arrays/objects accepted in a request body or message. */
export const MAX_JSON_DEPTH = 64;

/** The depth of the deepest array/object in JSON text, stopping as soon as it passes `limit`. */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** JSON.parse with the nesting limit; errors are 400s naming the limit or the syntax problem. */
export function parseJsonBounded(text: string, what: string): unknown {
  if (jsonDepthExceeds(text))
    throw new ApiError(400, 'NestingTooDeep', `${what} nests arrays/objects deeper than the limit of ${MAX_JSON_DEPTH} levels (maxJsonDepth)`, { limit: 'maxJsonDepth', value: MAX_JSON_DEPTH });
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'InvalidJson', `${what} is not valid JSON: ${(err as Error).message}`);
  }
}
