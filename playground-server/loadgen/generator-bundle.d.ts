// Types of generator-bundle.js (plain JS so bin/playground.js can load it without a TypeScript loader).
export type GeneratorBundleEntry = 'generator-worker' | 'generator-main';
export type LocatedBundle = { ok: true; file: string } | { ok: false; file: string; reason: 'missing' | 'stale'; detail: string };

export const GENERATOR_BUNDLE_DIR: string;
export const GENERATOR_BUNDLE_INPUTS: string;
export function packagePath(relative: string, root?: string): string;
/** `root`: the package root (this package by default; tests pass another). */
export function locateGeneratorBundle(entry: GeneratorBundleEntry, root?: string): LocatedBundle;
export function bundleFallbackMessage(located: Extract<LocatedBundle, { ok: false }>): string;
export function warnBundleFallback(located: Extract<LocatedBundle, { ok: false }>): void;
export function tsxLoaderUrl(): string;
export function tsxApiUrl(): string;
