// The sandbox mesh is expected to pass every test of MESH-HTTP and MESH-GRPC (provisional ones included); the runner
// tests require it. EXPECT_WHOLE_PROFILE stays a named switch so a branch that breaks a feature on purpose can say so.
import { MESH_CONFORMANCE_TESTS } from '../../playground-server/conformance/mesh-tests.js';

export const EXPECT_WHOLE_PROFILE = true;

export const EXPECTED_TO_PASS: readonly string[] = MESH_CONFORMANCE_TESTS.map((t) => t.shortName);
