// What the sandbox mesh honours, per API kind and field: the one registry the data plane's compilers, the
// apply-time warnings and the docs' support table all read, so they cannot drift. A field path covers its subtree
// unless a longer path says otherwise; a field an object sets that no entry marks honoured is reported, never
// silently ignored (a Warning on apply, as Istio's validating webhook and kubectl show them).

export type SupportLevel = 'full' | 'partial' | 'none';

export interface FieldSupport {
  /** Dotted path from the object root; `[]` stands for every element of a list: `spec.http[].fault.delay`. */
  path: string;
  support: SupportLevel;
  /** What the sandbox does (partial) or why not (none); shown in the docs table and in the warning. */
  note?: string;
}

export interface KindSupport {
  /** Which project defines the API (the docs table groups by it). */
  api: 'Gateway API' | 'SMI' | 'Istio' | 'Linkerd' | 'Kubernetes';
  group: string;
  kind: string;
  /** Served versions, newest first. */
  versions: string[];
  /** One sentence: what the kind does in the sandbox. */
  summary: string;
  /** The upstream reference or task page. */
  docs: string;
  /** Honoured (or explicitly not honoured) fields. Anything set under `spec` and not covered is unsupported. */
  fields: FieldSupport[];
  /** Whether apply-time warnings are given for unsupported fields (kinds that report through status set false). */
  warnOnApply: boolean;
}

/** A field an object sets that the sandbox does not honour. */
export interface UnsupportedField {
  /** The concrete path, with indices: `spec.http[0].corsPolicy`. */
  path: string;
  note?: string;
}

const MAX_WALK = 10_000; // fields visited per object: objects are bounded by the API server's body limit anyway

/** The registry entry covering `path` (a pattern path, `[]` for indices): the longest prefix entry. */
export function coveringEntry(kind: KindSupport, patternPath: string): FieldSupport | undefined {
  let best: FieldSupport | undefined;
  for (const f of kind.fields) {
    if (patternPath === f.path || patternPath.startsWith(f.path + '.') || patternPath.startsWith(f.path + '[')) {
      if (!best || f.path.length > best.path.length) best = f;
    }
  }
  return best;
}

/**
 * Every field under `spec` the object sets that the registry does not mark `full` or `partial`, outermost first
 * (a whole unsupported block is one entry, not one per leaf).
 */
export function unsupportedFields(kind: KindSupport, object: { spec?: unknown }): UnsupportedField[] {
  const out: UnsupportedField[] = [];
  let visited = 0;
  const walk = (value: unknown, pattern: string, concrete: string): void => {
    if (++visited > MAX_WALK) return;
    const entry = coveringEntry(kind, pattern);
    const exact = entry?.path === pattern;
    if (entry?.support === 'none' && exact) {
      out.push({ path: concrete, note: entry.note });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${pattern}[]`, `${concrete}[${i}]`));
      return;
    }
    if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, `${pattern}.${k}`, `${concrete}.${k}`);
      return;
    }
    // A leaf: honoured only when some entry covers it with full or partial support.
    if (!entry || entry.support === 'none') out.push({ path: concrete, note: entry?.note });
  };
  if (object.spec !== undefined) walk(object.spec, 'spec', 'spec');
  return out;
}

/** The warning text kubectl prints for one unsupported field. */
export function unsupportedWarning(kind: KindSupport, name: string, f: UnsupportedField): string {
  return `${kind.kind} "${name}": ${f.path} is not supported by the sandbox mesh and is ignored${f.note ? ` (${f.note})` : ''}`;
}
