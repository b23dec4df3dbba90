// Validation of policy/v1 PodDisruptionBudget (pkg/apis/policy/validation ValidatePodDisruptionBudgetSpec), with
// the API server's field paths and messages: minAvailable and maxUnavailable exclusive, each a non-negative
// integer or a percentage of at most 100%, and a known unhealthyPodEvictionPolicy.
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../store.js';
import { isPlainObject } from '../schema/structural.js';

const PERCENT = /^[0-9]+%$/;
/** validation.IsValidPercent's text (RegexError with its two examples). */
const PERCENT_MESSAGE = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%', or '93%', regex used for validation is '[0-9]+%')";
const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

const invalid = (field: string, shown: string, why: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${why}` });

/** How field.Invalid prints an intstr.IntOrString passed by value (no String method on the value): Go's %#v. */
function goIntOrString(v: number | string): string {
  return typeof v === 'number' ? `intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}` : `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
}

/** appsvalidation.ValidatePositiveIntOrPercent + IsNotMoreThan100Percent. */
function intOrPercent(field: string, v: unknown): StatusCause[] {
  if (typeof v === 'number') return v < 0 ? [invalid(field, String(v), 'must be greater than or equal to 0')] : [];
  if (typeof v !== 'string') return [];
  if (!PERCENT.test(v)) return [invalid(field, goIntOrString(v), PERCENT_MESSAGE)];
  return Number(v.slice(0, -1)) > 100 ? [invalid(field, goIntOrString(v), 'must not be greater than 100%')] : [];
}

export function validatePodDisruptionBudget(obj: KubeObject): StatusCause[] {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const out: StatusCause[] = [];
  const { minAvailable, maxUnavailable, unhealthyPodEvictionPolicy } = spec;
  // A *IntOrString is printed with its String method: the bare value.
  if (minAvailable !== undefined && maxUnavailable !== undefined)
    out.push(invalid('spec.minAvailable', String(minAvailable), 'minAvailable and maxUnavailable cannot be both set'));
  out.push(...intOrPercent('spec.minAvailable', minAvailable), ...intOrPercent('spec.maxUnavailable', maxUnavailable));
  if (unhealthyPodEvictionPolicy !== undefined && !EVICTION_POLICIES.includes(String(unhealthyPodEvictionPolicy)))
    out.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.unhealthyPodEvictionPolicy',
      message: `Unsupported value: ${JSON.stringify(unhealthyPodEvictionPolicy)}: supported values: ${EVICTION_POLICIES.map((p) => JSON.stringify(p)).join(', ')}`,
    });
  return out;
}
