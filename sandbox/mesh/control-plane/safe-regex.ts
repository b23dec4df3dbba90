// A learner's regular expression (HTTPRoute, GRPCRoute, VirtualService, HTTPRouteGroup `regex`) made safe to run per request.
// Envoy runs Istio's regexes with RE2, in linear time, and refuses what RE2 lacks (backreferences, lookaround) and
// programs over its size limit. JavaScript's engine backtracks: a nested or alternating repetition such as `(a+)+$` or
// `(a|a)*b` takes exponential time on a crafted header, which in the sandbox would stall every tenant's sidecars.
// So the sandbox refuses, with a message, what RE2 refuses and repetitions of groups that repeat or alternate.

/** Longest regex accepted (Envoy's default RE2 program size limit also bounds Istio's regexes). */
export const MAX_REGEX_LENGTH = 1024;
/**
 * Unbounded repetitions (`*`, `+`, `{n,}`) per regex: k of them in a row cost O(n^k) on a failing subject of n
 * characters (up to node's 16 KiB of headers), so more than 2 could stall a sidecar for minutes.
 */
export const MAX_UNBOUNDED_REPETITIONS = 2;

/** Why the pattern is refused, or undefined when it is safe to compile. */
export function unsafeRegexReason(source: string): string | undefined {
  if (source.length > MAX_REGEX_LENGTH) return `longer than ${MAX_REGEX_LENGTH} characters`;
  if (/\\[1-9]|\\k</.test(source)) return 'backreferences are not RE2 syntax (Envoy refuses them)';
  if (/\(\?<?[=!]/.test(source)) return 'lookahead and lookbehind are not RE2 syntax (Envoy refuses them)';
  // Walk the pattern: for each group, whether it holds a repetition or an alternation; such a group repeated is refused.
  const stack: { risky: boolean }[] = [{ risky: false }];
  let inClass = false;
  let unbounded = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === '(') stack.push({ risky: false });
    else if (ch === '|') stack[stack.length - 1].risky = true;
    else if (ch === '*' || ch === '+' || (ch === '{' && /^\{\d*,?\d*\}/.test(source.slice(i)))) {
      stack[stack.length - 1].risky = true;
      if (ch !== '{' || /^\{\d*,\}/.test(source.slice(i))) unbounded++;
    }
    else if (ch === ')') {
      const group = stack.length > 1 ? stack.pop()! : { risky: false };
      const next = source[i + 1];
      const repeated = next === '*' || next === '+' || (next === '{' && /^\{\d*,\d*\}/.test(source.slice(i + 1)));
      if (group.risky && repeated) return 'a repeated group that itself repeats or alternates (e.g. (a+)+ or (a|b)*) can take exponential time in the sandbox\'s backtracking engine; write it without nesting';
      if (group.risky) stack[stack.length - 1].risky = true;
    }
  }
  if (unbounded > MAX_UNBOUNDED_REPETITIONS) return `more than ${MAX_UNBOUNDED_REPETITIONS} unbounded repetitions (*, +, {n,}) can take polynomial time in the sandbox's backtracking engine on a long header`;
  return undefined;
}
