// Which mesh conformance tests the sandbox is expected to pass. When the HTTP/2 + GRPCRoute, filters and
// frontend-routing branches are merged, set EXPECT_WHOLE_PROFILE to true: the runner tests then require every
// test of MESH-HTTP and MESH-GRPC (provisional ones included) to pass.
import { MESH_CONFORMANCE_TESTS } from '../../playground-server/conformance/mesh-tests.js';

export const EXPECT_WHOLE_PROFILE = false;

/** Passing on the sandbox mesh today (issue 11's list, plus MeshFrontend, which passes as well). */
const PASSING_TODAY = [
  'MeshBasic',
  'MeshTrafficSplit',
  'MeshPorts',
  'MeshConsumerRoute',
  'MeshFrontend',
  'MeshHTTPRouteSimpleSameNamespace',
  'MeshHTTPRouteMatching',
  'MeshHTTPRouteQueryParamMatching',
  'MeshHTTPRouteNamedRule',
  'MeshHTTPRouteWeight',
  'MeshHTTPRouteRequestHeaderModifier',
];

export const EXPECTED_TO_PASS: readonly string[] = EXPECT_WHOLE_PROFILE ? MESH_CONFORMANCE_TESTS.map((t) => t.shortName) : PASSING_TODAY;
