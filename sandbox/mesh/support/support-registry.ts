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
  /** Set when the whole kind is not honoured: one report names the kind instead of any field. */
  wholeKind?: true;
}

const MAX_WALK = 10_000; // fields visited per object: objects are bounded by the API server's body limit anyway

/** The path of the one entry that marks a kind served but not honoured at all. */
export const WHOLE_SPEC = 'spec';

/** The `spec: none` entry of a kind the sandbox serves (its CRD is installed) but does not honour at all. */
export function wholeKindEntry(kind: KindSupport): FieldSupport | undefined {
  return kind.fields.find((f) => f.path === WHOLE_SPEC && f.support === 'none');
}

/** The registry entry covering `path` (a pattern path, `[]` for indices): the longest prefix entry. */
export function coveringEntry(kind: KindSupport, patternPath: string): FieldSupport | undefined {
  let best: FieldSupport | undefined;
  for (const f of kind.fields) {
    if (patternPath === f.path || isUnder(patternPath, f.path)) {
      if (!best || f.path.length > best.path.length) best = f;
    }
  }
  return best;
}

const isUnder = (path: string, prefix: string) => path.startsWith(prefix + '.') || path.startsWith(prefix + '[');

/**
 * Every field under `spec` the object sets that the registry does not mark `full` or `partial`, outermost first:
 * a block an entry marks `none`, or a block no entry mentions at all, is one report, not one per leaf; a kind that
 * is not honoured at all is one report naming the kind (`wholeKind`), whatever the object holds.
 */
export function unsupportedFields(kind: KindSupport, object: { spec?: unknown }): UnsupportedField[] {
  const whole = wholeKindEntry(kind);
  if (whole) return [{ path: WHOLE_SPEC, note: whole.note, wholeKind: true }];
  const out: UnsupportedField[] = [];
  let visited = 0;
  const walk = (value: unknown, pattern: string, concrete: string): void => {
    if (++visited > MAX_WALK) return;
    const entry = coveringEntry(kind, pattern);
    if (entry?.support === 'none' && entry.path === pattern) {
      out.push({ path: concrete, note: entry.note });
      return;
    }
    // Nothing covers this block and nothing inside it is listed: the block is unknown to the mesh as a whole.
    if (!entry && !kind.fields.some((f) => isUnder(f.path, pattern))) {
      out.push({ path: concrete });
      return;
    }
    if (Array.isArray(value) && value.length) {
      value.forEach((v, i) => walk(v, `${pattern}[]`, `${concrete}[${i}]`));
      return;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length) {
      for (const [k, v] of Object.entries(value)) walk(v, `${pattern}.${k}`, `${concrete}.${k}`);
      return;
    }
    // A leaf (or an empty list or object): honoured only when some entry covers it with full or partial support.
    if (!entry || entry.support === 'none') out.push({ path: concrete, note: entry?.note });
  };
  if (object.spec !== undefined) walk(object.spec, WHOLE_SPEC, WHOLE_SPEC);
  return out;
}

/** The warning text kubectl prints for one unsupported field (or for a kind the sandbox mesh does not honour). */
export function unsupportedWarning(kind: KindSupport, name: string, f: UnsupportedField): string {
  const what = f.wholeKind ? `${kind.kind} (${kind.group})` : f.path;
  return `${kind.kind} "${name}": ${what} is not supported by the sandbox mesh and is ignored${f.note ? ` (${f.note})` : ''}`;
}
