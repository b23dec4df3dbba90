// Where the vendored upstream conformance files live on disk, and reading them: the runner's data ships with the
// product (playground-server/conformance/upstream/), so `playground conformance` works from an installed copy.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** kubernetes-sigs/gateway-api's `conformance/` folder, the subset this runner uses (see its README). */
export const GATEWAY_API_CONFORMANCE_DIR = fileURLToPath(new URL('./upstream/gateway-api/', import.meta.url));
/** The commit the Gateway API files were copied from. */
export const GATEWAY_API_COMMIT = '4564255ac2c35d582249b3cdf261bdf51c8bca32';
/** The mesh profile's base manifests (conformance/mesh/manifests.yaml). */
export const MESH_BASE_MANIFESTS = 'mesh/manifests.yaml';
export const MESH_BASE_MANIFESTS_PATH = fileURLToPath(new URL(`./upstream/gateway-api/${MESH_BASE_MANIFESTS}`, import.meta.url));

/** A vendored manifest by its upstream path relative to conformance/ (e.g. `tests/mesh/mesh-split.yaml`). */
export function readUpstreamManifest(relativePath: string): string {
  if (!/^[a-z0-9-]+(\/[a-z0-9.-]+)+\.yaml$/.test(relativePath) || relativePath.includes('..')) throw new Error(`not a vendored manifest path: ${relativePath}`);
  return readFileSync(new URL(`./upstream/gateway-api/${relativePath}`, import.meta.url), 'utf8');
}
