// Kubernetes' name and label syntax rules, with the apiserver's messages (people search for these).
import type { StatusCause } from '../errors.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const invalid = (field: string, value: unknown, message: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${JSON.stringify(value)}: ${message}`,
});

export function dns1123Label(field: string, v: string): StatusCause[] {
  if (v.length > 63) return [invalid(field, v, 'must be no more than 63 characters')];
  if (!DNS1123_LABEL.test(v))
    return [invalid(field, v, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")];
  return [];
}

export function dns1123Subdomain(field: string, v: string): StatusCause[] {
  if (v.length > 253) return [invalid(field, v, 'must be no more than 253 characters')];
  if (!DNS1123_SUBDOMAIN.test(v))
    return [invalid(field, v, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")];
  return [];
}

export function dns1035Label(field: string, v: string): StatusCause[] {
  if (v.length > 63) return [invalid(field, v, 'must be no more than 63 characters')];
  if (!DNS1035_LABEL.test(v))
    return [invalid(field, v, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")];
  return [];
}

/** `prefix/name` keys of labels and annotations. */
export function qualifiedName(field: string, key: string): StatusCause[] {
  const parts = key.split('/');
  const name = parts.length === 2 ? parts[1] : parts[0];
  const bad = parts.length > 2 || name.length === 0 || name.length > 63 || !QUALIFIED_NAME_PART.test(name) ||
    (parts.length === 2 && (parts[0].length === 0 || dns1123Subdomain(field, parts[0]).length > 0));
  if (!bad) return [];
  return [invalid(field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")];
}

export function labelValue(field: string, v: string): StatusCause[] {
  if (v.length > 63) return [invalid(field, v, 'must be no more than 63 characters')];
  if (!LABEL_VALUE.test(v))
    return [invalid(field, v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")];
  return [];
}

export function labels(field: string, map: Record<string, string> | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(map ?? {})) {
    out.push(...qualifiedName(field, k));
    if (typeof v === 'string') out.push(...labelValue(field, v));
  }
  return out;
}
