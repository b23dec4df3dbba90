// Types of bundles.js (plain JS so bin/playground.js can load it without a TypeScript loader).
export interface PrebuiltBundle {
  /** The folder `npm run build` writes the bundle to, relative to the package root. */
  dir: string;
  /** Output name (dir/<name>.mjs) → the package-relative source it bundles. */
  entries: Record<string, string>;
  /** What runs instead while the bundle is missing or stale (the warning's last clause). */
  fallback: string;
}
export const PREBUILT_BUNDLES: {
  generator: PrebuiltBundle & { entries: Record<'generator-worker' | 'generator-main', string> };
  'data-plane': PrebuiltBundle & { entries: Record<'proxy-worker', string> };
};
export type BundleName = keyof typeof PREBUILT_BUNDLES;
export type BundleEntry<B extends BundleName> = keyof (typeof PREBUILT_BUNDLES)[B]['entries'] & string;
export type LocatedBundle = { ok: true; bundle: BundleName; file: string } | { ok: false; bundle: BundleName; file: string; reason: 'missing' | 'stale'; detail: string };
export type UnusableBundle = Extract<LocatedBundle, { ok: false }>;

export const BUNDLE_INPUTS: string;
export function packagePath(relative: string, root?: string): string;
/** `root`: the package root (this package by default; tests pass another). */
export function locateBundle<B extends BundleName>(bundle: B, entry: BundleEntry<B>, root?: string): LocatedBundle;
export function bundleFallbackMessage(located: UnusableBundle): string;
export function warnBundleFallback(located: UnusableBundle): void;
export function tsxLoaderUrl(): string;
export function tsxApiUrl(): string;
export function tsxWorkerSource(entryUrl: string): string;
