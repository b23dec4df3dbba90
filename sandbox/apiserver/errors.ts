// Kubernetes `Status` errors (metav1.Status): kubectl and client-go switch on `reason` and print `message`.

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** A resource's name for messages: `pods`, `deployments.apps`, `httproutes.gateway.networking.k8s.io`. */
export function qualifiedResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const notFound = (plural: string, group: string, name: string) =>
  new StatusError(404, 'NotFound', `${qualifiedResource(plural, group)} "${name}" not found`, {
    name,
    group,
    kind: plural,
  });

export const alreadyExists = (plural: string, group: string, name: string) =>
  new StatusError(409, 'AlreadyExists', `${qualifiedResource(plural, group)} "${name}" already exists`, {
    name,
    group,
    kind: plural,
  });

export const conflict = (plural: string, group: string, name: string, why: string) =>
  new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": ${why}`,
    { name, group, kind: plural },
  );

/**
 * 422 Invalid, formatted as the API server does: `<Kind> "<name>" is invalid: <field>: <message>`, with
 * several causes in brackets: `... is invalid: [<field>: <message>, <field>: <message>]`.
 */
export const invalid = (kind: string, group: string, name: string, causes: StatusCause[]) => {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const detail = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new StatusError(422, 'Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${detail}`, { name, group, kind, causes });
};

export const badRequest = (message: string) => new StatusError(400, 'BadRequest', message);
export const gone = (message: string) => new StatusError(410, 'Expired', message);
export const unauthorized = () => new StatusError(401, 'Unauthorized', 'Unauthorized');
export const forbidden = (message: string) => new StatusError(403, 'Forbidden', message);
export const methodNotAllowed = (message: string) => new StatusError(405, 'MethodNotAllowed', message);
export const unsupportedMediaType = (contentType: string) =>
  new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got "${contentType}")`);
