// meta.k8s.io/v1 Table responses (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): what kubectl
// asks for to print `kubectl get`. Each row carries the object's metadata (or the whole object).
import type { PrinterColumn, ResourceType } from '../resources.js';
import type { KubeObject } from '../store.js';
import { BUILTIN_PRINTERS, DEFAULT_PRINTER, since, type ColumnDefinition, type Printer } from './table-printers.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  includeObject: IncludeObject;
  noHeaders?: boolean;
  resourceVersion?: string;
}

/** Does the Accept header ask for a Table (any v1/v1beta1 meta.k8s.io Table option)? */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params[0] === 'application/json' && params.includes('as=Table') && params.includes('g=meta.k8s.io');
  });
}

/** The Table's apiVersion the client asked for first. */
export function tableVersion(accept: string | undefined): string {
  const v1beta1 = accept?.split(',').find((p) => p.includes('as=Table'))?.includes('v=v1beta1');
  return v1beta1 ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1';
}

const printerCache = new WeakMap<ResourceType, Printer>();

function printerFor(t: ResourceType): Printer {
  let p = printerCache.get(t);
  if (!p) {
    p = t.schema ? crdPrinter(t) : BUILTIN_PRINTERS[`${t.group}/${t.kind}`] ?? DEFAULT_PRINTER;
    printerCache.set(t, p);
  }
  return p;
}

/** Evaluates the simple JSONPaths CRDs use in additionalPrinterColumns (`.spec.rules[0].name`). */
function jsonPathValue(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  const tokens = path.replace(/^\{?\.?/, '').replace(/\}$/, '').match(/[^.[\]]+|\[\d+\]/g) ?? [];
  for (const tok of tokens) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = tok.startsWith('[') ? (cur as unknown[])[Number(tok.slice(1, -1))] : (cur as Record<string, unknown>)[tok];
  }
  return cur;
}

/** A CRD without additionalPrinterColumns prints an Age column, as apiextensions-apiserver does. */
const CRD_DEFAULT_COLUMNS: PrinterColumn[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];

function crdPrinter(t: ResourceType): Printer {
  const defs = t.printerColumns?.length ? t.printerColumns : CRD_DEFAULT_COLUMNS;
  const columns: ColumnDefinition[] = [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    ...defs.map((c) => ({ name: c.name, type: c.type, format: '', description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, priority: c.priority ?? 0 })),
  ];
  return {
    columns,
    cells(obj, now) {
      return [obj.metadata.name, ...defs.map((c) => {
        const v = jsonPathValue(obj, c.jsonPath);
        if (v === undefined || v === null) return null;
        switch (c.type) {
          case 'date': return typeof v === 'string' ? since(v, now) : null;
          case 'string': return typeof v === 'object' ? JSON.stringify(v) : String(v);
          case 'integer': return typeof v === 'number' ? Math.trunc(v) : null;
          case 'number': return typeof v === 'number' ? v : null;
          case 'boolean': return typeof v === 'boolean' ? v : null;
          default: return null;
        }
      })];
    },
  };
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  const { managedFields: _m, ...metadata } = obj.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

export function toTable(t: ResourceType, objects: KubeObject[], opts: TableOptions, apiVersion = 'meta.k8s.io/v1'): Record<string, unknown> {
  const printer = printerFor(t);
  const now = Date.now();
  const rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: printer.cells(obj, now) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    const object = rowObject(obj, opts.includeObject);
    if (object !== undefined) row.object = object;
    return row;
  });
  const table: Record<string, unknown> = { kind: 'Table', apiVersion, metadata: { resourceVersion: opts.resourceVersion ?? '' } };
  table.columnDefinitions = opts.noHeaders ? [] : printer.columns;
  table.rows = rows;
  return table;
}
