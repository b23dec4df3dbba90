// The doors between the project's rooms (ARCHITECTURE.md, "keep dependencies pointing one way"), and a scanner
// that finds every module reference in the source trees and reports each one that goes through a wall.
// A module reference is an import, an export-from, a dynamic import(), a require(), or a
// `new URL('<relative path>', import.meta.url)` (how a module reaches a data file beside another module).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One reference a file makes to another module or file, with where it is written. */
export interface ModuleReference {
  /** Path of the referring file, relative to the project root, with forward slashes. */
  file: string;
  line: number;
  specifier: string;
  /** Project-relative target for relative specifiers; undefined for packages (bare or node: specifiers). */
  target?: string;
  /** Types only (`import type`, `export type … from`, `import('…').T` in a type): erased, nothing is loaded. */
  typeOnly: boolean;
}

export interface BoundaryViolation extends ModuleReference {
  rule: string;
}

/** The trees whose files are scanned (tests and e2e may reach anything: they test the rooms from outside). */
export const SOURCE_TREES = ['sandbox', 'playground-server', 'site', 'bench', 'bin', 'scripts', 'kubernetes', 'http1', 'prebuilt'] as const;
const SOURCE_EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.js', '.mjs', '.jsx', '.astro']);
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.astro']);

/** The sandbox's one door for everything outside sandbox/. */
const SANDBOX_DOOR = /^sandbox\/index\.(ts|js)$/;
/** What the site may import from outside site/: artefacts generated from the contracts. */
const SITE_ALLOWED_OUTSIDE = 'openapi/generated/';
/**
 * Types the site may import (types only, so nothing is bundled): the operation types derived from
 * openapi/generated/playground.ts, shared with the server so an operation's shape is written once.
 */
const SITE_ALLOWED_TYPES = new Set(['openapi/types.ts', 'openapi/types.js']);
const OUTSIDE_CALLERS_OF_SANDBOX = ['playground-server/', 'bench/', 'bin/', 'scripts/'];
/**
 * Leaf libraries that both the sandbox and the server use: upstream rules (kubernetes/: kubectl's judgements; http1/:
 * RFC 9112 framing) and the package's own plumbing (prebuilt/: where the prebuilt bundles are and whether one is
 * stale, for the load generator and the data-plane worker alike). They import nothing from the project, so importing
 * them crosses no wall.
 */
const LEAF_LIBRARIES = ['kubernetes', 'http1', 'prebuilt'];

const under = (path: string, dir: string): boolean => path === dir.replace(/\/$/, '') || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** The rule a reference breaks, or undefined when it goes through a door. */
export function brokenRule(ref: ModuleReference): string | undefined {
  const { file, target } = ref;
  if (target === undefined) return undefined; // an npm package or a node: builtin
  if (target.startsWith('../')) return 'no module reaches outside the project';
  if (target === '') return undefined; // the package root itself (`new URL('../', import.meta.url)`): a folder paths start from, not a module
  const leaf = LEAF_LIBRARIES.find((room) => under(file, room));
  if (leaf !== undefined)
    return under(target, leaf) ? undefined : `${leaf}/ is a leaf library: it imports nothing from the project (both the sandbox and the server import it)`;
  if (under(file, 'sandbox')) {
    for (const room of ['playground-server', 'site', 'bench', 'bin', 'scripts', 'test', 'e2e'])
      if (under(target, room)) return `sandbox/ imports nothing from ${room}/ (it is the cluster; the server talks to it through the Kubernetes API)`;
    return undefined;
  }
  if (under(file, 'site')) {
    if (under(target, 'site') || under(target, SITE_ALLOWED_OUTSIDE)) return undefined;
    if (ref.typeOnly && SITE_ALLOWED_TYPES.has(target)) return undefined;
    return `site/ imports only site/ and ${SITE_ALLOWED_OUTSIDE} (generated artefacts) from this repository`;
  }
  if (OUTSIDE_CALLERS_OF_SANDBOX.some((room) => under(file, room)) && under(target, 'sandbox') && !SANDBOX_DOOR.test(target))
    return 'outside sandbox/, the sandbox is reached only through sandbox/index.ts';
  return undefined;
}

/** Every source file under the given trees of `root`, project-relative with forward slashes. */
export function sourceFiles(root: string, trees: readonly string[] = SOURCE_TREES): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      if (SKIPPED_DIRS.has(name)) continue;
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (SOURCE_EXTENSIONS.has(extname(name)) && !name.endsWith('.d.ts')) out.push(relative(root, path).split(sep).join('/'));
    }
  };
  for (const tree of trees) walk(join(root, tree));
  return out;
}

/** Script blocks of a file with the line each starts on: the whole file, or an .astro file's frontmatter and <script>s. */
function scriptBlocks(path: string, text: string): { code: string; firstLine: number }[] {
  if (!path.endsWith('.astro')) return [{ code: text, firstLine: 1 }];
  const blocks: { code: string; firstLine: number }[] = [];
  const lineAt = (offset: number): number => text.slice(0, offset).split('\n').length;
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  if (front) blocks.push({ code: front[1], firstLine: 2 });
  for (const m of text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
    const start = (m.index ?? 0) + m[0].indexOf('>') + 1;
    blocks.push({ code: m[1], firstLine: lineAt(start) });
  }
  return blocks;
}

/** The static part of a specifier: a string literal, or a template's text before its first substitution. */
function staticText(node: ts.Node): string | undefined {
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text;
  return undefined;
}

const isImportMetaUrl = (node: ts.Node): boolean =>
  ts.isPropertyAccessExpression(node) && node.name.text === 'url' && ts.isMetaProperty(node.expression) && node.expression.keywordToken === ts.SyntaxKind.ImportKeyword;

/** `import type { … }`, or `import { type A, type B }` (nothing but types named): erased at build. */
function importsOnlyTypes(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import loads the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return !clause.name && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** The specifiers one script block refers to, with their 1-based line within the block. */
function specifiersIn(code: string, fileName: string): { specifier: string; line: number; typeOnly: boolean }[] {
  const kind = fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, false, kind);
  const found: { specifier: string; line: number; typeOnly: boolean }[] = [];
  const add = (node: ts.Node, specifier: string | undefined, typeOnly = false): void => {
    if (specifier === undefined) return;
    found.push({ specifier, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, staticText(node.moduleSpecifier), importsOnlyTypes(node));
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier) add(node, staticText(node.moduleSpecifier), node.isTypeOnly);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, staticText(node.moduleReference.expression), node.isTypeOnly);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, staticText(node.argument.literal), true);
    else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) add(node, staticText(node.arguments[0]));
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL' && node.arguments?.length === 2 && isImportMetaUrl(node.arguments[1]))
      add(node, staticText(node.arguments[0]));
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A specifier resolved to a project-relative path (query and hash dropped), or undefined for a package. */
function resolveSpecifier(root: string, file: string, specifier: string): string | undefined {
  const path = specifier.replace(/[?#].*$/, '');
  if (path.startsWith('node:') || !(path.startsWith('.') || path.startsWith('/') || path.startsWith('file:'))) return undefined;
  const absolute = path.startsWith('file:') ? new URL(path).pathname : path.startsWith('/') ? path : resolve(root, dirname(file), path);
  return relative(root, absolute).split(sep).join('/');
}

/** Every module reference in the given files of `root`. */
export function moduleReferences(root: string, files: readonly string[]): ModuleReference[] {
  const refs: ModuleReference[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const block of scriptBlocks(file, text))
      for (const { specifier, line, typeOnly } of specifiersIn(block.code, file))
        refs.push({ file, line: block.firstLine + line - 1, specifier, typeOnly, target: resolveSpecifier(root, file, specifier) });
  }
  return refs;
}

/** Every reference under `root`'s source trees that breaks a rule. */
export function boundaryViolations(root: string, trees: readonly string[] = SOURCE_TREES): BoundaryViolation[] {
  return moduleReferences(root, sourceFiles(root, trees)).flatMap((ref) => {
    const rule = brokenRule(ref);
    return rule ? [{ ...ref, rule }] : [];
  });
}

export const describeViolation = (v: BoundaryViolation): string => `${v.file}:${v.line}: '${v.specifier}' — ${v.rule}`;
