// Where in the learner's YAML a server-side complaint belongs: Kubernetes field paths (`spec.rules[0].backendRefs[1]
// .weight`, `metadata.labels[app.kubernetes.io/name]`), the playground's own `manifest[i].field` paths and YAML
// syntax errors are mapped to 1-based lines with the `yaml` library's node ranges. Pure: no Monaco, no DOM.
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';

export type PathSegment = string | number;

/** The error shape the try-it reads (the playground's `Error`: message plus details). */
export interface ServerError {
  message: string;
  details?: Record<string, unknown>;
}

export interface LocatedError {
  /** 1-based line in the whole text. */
  line: number;
  /** The field path the server named, when it named one. */
  field?: string;
  message: string;
}

/**
 * A field path as Kubernetes prints it → segments. Numeric brackets are list indices; other brackets are map keys
 * (they may contain dots: `labels[app.kubernetes.io/name]`, optionally quoted). A leading `.` is allowed.
 */
export function parseFieldPath(field: string): PathSegment[] {
  const out: PathSegment[] = [];
  let i = field.startsWith('.') ? 1 : 0;
  let name = '';
  const flush = () => {
    if (name) out.push(name);
    name = '';
  };
  while (i < field.length) {
    const c = field[i];
    if (c === '.') {
      flush();
      i++;
    } else if (c === '[') {
      flush();
      const end = field.indexOf(']', i);
      if (end < 0) {
        name += field.slice(i);
        break;
      }
      const inner = field.slice(i + 1, end);
      if (/^\d+$/.test(inner)) out.push(Number(inner));
      else out.push(inner.replace(/^(['"])(.*)\1$/, '$2'));
      i = end + 1;
    } else {
      name += c;
      i++;
    }
  }
  flush();
  return out;
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/**
 * The line of `path` in `doc`: the key's line for a mapping entry (a block value starts a line later), the item's
 * line for a list element. When the path goes deeper than the document (a missing required field), the deepest
 * node that exists is named, and `exact` is false.
 */
export function lineOfPath(text: string, doc: Document, path: PathSegment[]): { line: number; exact: boolean } | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0];
  let exact = true;
  for (const key of path) {
    let next: unknown;
    let at: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(key));
      if (pair) {
        next = pair.value;
        at = (pair.key as Node | null)?.range?.[0] ?? (pair.value as Node | null)?.range?.[0];
      }
    } else if (isSeq(node) && typeof key === 'number') {
      next = node.items[key];
      at = (next as Node | null | undefined)?.range?.[0];
    }
    if (at === undefined) {
      exact = false;
      break;
    }
    node = next;
    offset = at;
  }
  return offset === undefined ? undefined : { line: lineAt(text, offset), exact };
}

/** `manifest[2].spec.x` → document 2 and `spec.x`. */
function splitManifestField(field: string): { doc?: number; path: string } {
  const m = /^manifest\[(\d+)\]\.?(.*)$/.exec(field);
  return m ? { doc: Number(m[1]), path: m[2] } : { path: field };
}

interface Cause {
  field?: string;
  message?: string;
}

/** Field paths a Kubernetes message names when it has no causes: `unknown field "spec.x"`, `spec.a[0].b: …`. */
export function fieldsInMessage(message: string): string[] {
  const quoted = [...message.matchAll(/unknown field "([^"]+)"/g)].map((m) => m[1]);
  if (quoted.length) return quoted;
  const named = /\b((?:spec|metadata|data|status)(?:\.[A-Za-z0-9_$-]+|\[[^\]]+\])+)/.exec(message)?.[1];
  return named ? [named] : [];
}

/** The document an error is about: `details.object` is `Kind "name"` (kube/apply.ts), else the first document. */
function documentIndex(docs: Document[], err: ServerError): number {
  const object = typeof err.details?.object === 'string' ? err.details.object : '';
  const m = /^(\S+) "([^"]+)"$/.exec(object);
  if (!m) return 0;
  const i = docs.findIndex((d) => {
    const js = d.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
    return js?.kind === m[1] && js?.metadata?.name === m[2];
  });
  return i < 0 ? 0 : i;
}

/** Every complaint in a failed apply or dry run, at its line (line 1 when nothing better is known). */
export function locateServerErrors(text: string, err: ServerError): LocatedError[] {
  const docs = parseAllDocuments(text);
  const list: Document[] = Array.isArray(docs) ? docs : [docs as unknown as Document];
  const out: LocatedError[] = [];
  const at = (docIndex: number, field: string, message: string) => {
    const doc = list[docIndex];
    const syntax = /at line (\d+)/.exec(message);
    const found = doc && field ? lineOfPath(text, doc, parseFieldPath(field)) : undefined;
    const line = found?.line ?? (syntax ? Number(syntax[1]) : doc?.contents ? lineAt(text, (doc.contents as Node).range?.[0] ?? 0) : 1);
    out.push({ line, ...(field ? { field } : {}), message });
  };

  // The playground's own checks (parse, kind, name): `manifest[i].field`.
  const fields = (err.details?.fields as { field: string; message: string }[] | undefined) ?? [];
  for (const f of fields) {
    const { doc, path } = splitManifestField(f.field);
    at(doc ?? 0, path, `${f.field}: ${f.message}`);
  }
  // The cluster's Status causes (passed through under details.kubernetes).
  const kube = err.details?.kubernetes as { causes?: Cause[] } | undefined;
  const causes = (err.details?.causes as Cause[] | undefined) ?? kube?.causes ?? [];
  const docIndex = documentIndex(list, err);
  for (const c of causes) {
    const named = c.field || fieldsInMessage(c.message ?? '')[0] || '';
    at(docIndex, named, [c.field, c.message].filter(Boolean).join(': '));
  }
  if (!out.length) {
    const named = fieldsInMessage(err.message);
    if (named.length) for (const f of named) at(docIndex, f, err.message);
    else at(docIndex, '', err.message);
  }
  return out;
}
