// Label and field selectors: the string forms of list/watch queries and the LabelSelector objects of specs.
import { badRequest } from './errors.js';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

type Requirement = { key: string; op: 'in' | 'notin' | 'exists' | '!exists' | '=' | '!='; values: string[] };

/** A compiled selector: a predicate over a label (or field) map. */
export type Selector = (labels: Record<string, string | undefined> | undefined) => boolean;

export const everything: Selector = () => true;

function compile(reqs: Requirement[]): Selector {
  if (reqs.length === 0) return everything;
  return (labels) => {
    const l = labels ?? {};
    return reqs.every(({ key, op, values }) => {
      const has = Object.prototype.hasOwnProperty.call(l, key) && l[key] !== undefined;
      const v = l[key];
      switch (op) {
        case 'exists': return has;
        case '!exists': return !has;
        case '=': case 'in': return has && values.includes(v!);
        case '!=': case 'notin': return !has || !values.includes(v!);
      }
    });
  };
}

/** `app=reviews,version!=v1,tier in (a,b),!canary,env` — the Kubernetes label selector syntax. */
export function parseLabelSelector(text: string | undefined | null): Selector {
  if (!text?.trim()) return everything;
  const reqs: Requirement[] = [];
  for (const part of splitTopLevel(text)) {
    const s = part.trim();
    let m: RegExpMatchArray | null;
    if ((m = s.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      reqs.push({ key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()).filter(Boolean) });
    } else if ((m = s.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/))) {
      reqs.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] });
    } else if ((m = s.match(/^!([\w./-]+)$/))) {
      reqs.push({ key: m[1], op: '!exists', values: [] });
    } else if ((m = s.match(/^([\w./-]+)$/))) {
      reqs.push({ key: m[1], op: 'exists', values: [] });
    } else {
      throw badRequest(`unable to parse requirement: found '${s}', expected: key, key=value, key!=value, key in (values), !key`);
    }
  }
  return compile(reqs);
}

/** `metadata.name=x,status.phase!=Running` — field selectors support only =, == and !=. */
export function parseFieldSelector(text: string | undefined | null, supported: readonly string[]): (fields: Record<string, string | undefined>) => boolean {
  if (!text?.trim()) return everything;
  const reqs: Requirement[] = [];
  for (const part of text.split(',')) {
    const m = part.trim().match(/^([\w.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    if (!supported.includes(m[1])) throw badRequest(`field label not supported: ${m[1]}`);
    reqs.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] });
  }
  const sel = compile(reqs);
  return (fields) => sel(fields);
}

/** A spec's LabelSelector (Deployment.spec.selector). An empty selector matches everything, as in Kubernetes. */
export function compileLabelSelector(sel: LabelSelector | undefined): Selector {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {})) reqs.push({ key, op: '=', values: [value] });
  for (const e of sel?.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' } as const)[e.operator];
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return compile(reqs);
}

/** A Service's selector map (`spec.selector`): a Service with no selector selects no pods. */
export function compileServiceSelector(selector: Record<string, string> | undefined): Selector {
  if (!selector || Object.keys(selector).length === 0) return () => false;
  return compileLabelSelector({ matchLabels: selector });
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { parts.push(cur); cur = ''; } else cur += ch;
  }
  parts.push(cur);
  return parts;
}
