// Gateway API feature names and the two mesh conformance profiles, as upstream defines them
// (pkg/features/mesh.go, httproute.go, grpcroute.go; conformance/utils/suite/profiles.go), plus what the sandbox
// mesh claims to support. A test counts towards a profile only when every feature it needs is one of that profile's
// core or extended features (suite.getConformanceProfilesForTest); it is extended when any of them is not core.

export const Feature = {
  Mesh: 'Mesh',
  HTTPRoute: 'HTTPRoute',
  GRPCRoute: 'GRPCRoute',
  MeshClusterIPMatching: 'MeshClusterIPMatching',
  MeshConsumerRoute: 'MeshConsumerRoute',
  MeshHTTPRouteRewritePath: 'MeshHTTPRouteRewritePath',
  MeshHTTPRouteSchemeRedirect: 'MeshHTTPRouteSchemeRedirect',
  MeshHTTPRouteRedirectPort: 'MeshHTTPRouteRedirectPort',
  MeshHTTPRouteRedirectPath: 'MeshHTTPRouteRedirectPath',
  MeshHTTPRouteBackendRequestHeaderModification: 'MeshHTTPRouteBackendRequestHeaderModification',
  MeshHTTPRouteQueryParamMatching: 'MeshHTTPRouteQueryParamMatching',
  MeshHTTPRouteNamedRouteRule: 'MeshHTTPRouteNamedRouteRule',
  HTTPRouteResponseHeaderModification: 'HTTPRouteResponseHeaderModification',
  HTTPRouteParentRefPort: 'HTTPRouteParentRefPort',
  HTTPRoute303RedirectStatusCode: 'HTTPRoute303RedirectStatusCode',
  HTTPRoute307RedirectStatusCode: 'HTTPRoute307RedirectStatusCode',
  HTTPRoute308RedirectStatusCode: 'HTTPRoute308RedirectStatusCode',
} as const;
export type FeatureName = (typeof Feature)[keyof typeof Feature];
export const ALL_FEATURES: readonly FeatureName[] = Object.values(Feature);

/** features.MeshExtendedFeatures. */
export const MESH_EXTENDED_FEATURES: readonly FeatureName[] = [
  Feature.MeshClusterIPMatching,
  Feature.MeshConsumerRoute,
  Feature.MeshHTTPRouteRewritePath,
  Feature.MeshHTTPRouteSchemeRedirect,
  Feature.MeshHTTPRouteRedirectPort,
  Feature.MeshHTTPRouteRedirectPath,
  Feature.MeshHTTPRouteBackendRequestHeaderModification,
  Feature.MeshHTTPRouteQueryParamMatching,
  Feature.MeshHTTPRouteNamedRouteRule,
];

export type MeshProfileName = 'MESH-HTTP' | 'MESH-GRPC';
export type ProfileName = MeshProfileName | 'SMI';
export const PROFILE_NAMES: readonly ProfileName[] = ['MESH-HTTP', 'MESH-GRPC', 'SMI'];

export interface ConformanceProfile {
  name: MeshProfileName;
  core: readonly FeatureName[];
  extended: readonly FeatureName[];
}

export const MESH_PROFILES: Record<MeshProfileName, ConformanceProfile> = {
  'MESH-HTTP': { name: 'MESH-HTTP', core: [Feature.Mesh, Feature.HTTPRoute], extended: MESH_EXTENDED_FEATURES },
  'MESH-GRPC': { name: 'MESH-GRPC', core: [Feature.Mesh, Feature.GRPCRoute], extended: MESH_EXTENDED_FEATURES },
};

/** Every feature the mesh tests name: the sandbox mesh claims them all (the goal is the whole profile). */
export const SANDBOX_SUPPORTED_FEATURES: readonly FeatureName[] = ALL_FEATURES;

export function isFeatureName(name: string): name is FeatureName {
  return (ALL_FEATURES as readonly string[]).includes(name);
}

/** Whether a test needing `features` is graded in `profile` (every feature is core or extended there). */
export function profileGrades(profile: ConformanceProfile, features: readonly FeatureName[]): boolean {
  return features.every((f) => profile.core.includes(f) || profile.extended.includes(f));
}

/** Extended when any feature the test needs is not core in the profile (suite.isTestExtended). */
export function isExtendedIn(profile: ConformanceProfile, features: readonly FeatureName[]): boolean {
  return features.some((f) => !profile.core.includes(f));
}

/**
 * Which selected profiles a test is run for: MESH-HTTP runs every test that needs no GRPCRoute, MESH-GRPC every
 * test that needs no HTTPRoute (MeshBasic belongs to both). Upstream runs the whole list and leaves out of a profile's
 * report the tests whose features lie outside it; selecting a profile here also narrows what is run.
 */
export function inScope(features: readonly FeatureName[], profiles: readonly ProfileName[]): boolean {
  return profiles.some((p) => (p === 'MESH-HTTP' ? !features.includes(Feature.GRPCRoute) : p === 'MESH-GRPC' ? !features.includes(Feature.HTTPRoute) : false));
}
