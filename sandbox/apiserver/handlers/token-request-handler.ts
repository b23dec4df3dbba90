// serviceaccounts/<name>/token (authentication.k8s.io/v1 TokenRequest): a bound token for a ServiceAccount,
// carrying its user and groups; what it may do is up to RBAC. The playground server gives each learner such a token, as it would on a real cluster.
import { badRequest, invalid } from '../errors.js';
import { serviceAccountIdentity, type TokenIssuer } from '../auth.js';
import { sendJson } from '../http-io.js';
import { readDecodedBody, type RequestContext } from './request-context.js';

/** Kubernetes' bounds for expirationSeconds: at least 10 minutes; the sandbox caps it at a day. */
export const MIN_TOKEN_SECONDS = 600;
export const MAX_TOKEN_SECONDS = 86_400;
const DEFAULT_TOKEN_SECONDS = 3600;

interface TokenRequest {
  apiVersion?: string;
  kind?: string;
  spec?: { audiences?: string[]; expirationSeconds?: number };
}

export async function handleTokenRequest(ctx: RequestContext, issuer: TokenIssuer): Promise<void> {
  const { value } = await readDecodedBody(ctx);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badRequest('the body must be a TokenRequest object');
  const body = value as TokenRequest;
  if (body.kind !== undefined && body.kind !== 'TokenRequest') throw badRequest(`the body must be a TokenRequest, got kind "${body.kind}"`);
  const seconds = body.spec?.expirationSeconds ?? DEFAULT_TOKEN_SECONDS;
  if (!Number.isInteger(seconds) || seconds < MIN_TOKEN_SECONDS)
    throw invalid('TokenRequest', 'authentication.k8s.io', ctx.target.name!, [
      { field: 'spec.expirationSeconds', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(seconds)}: may not specify a duration less than ${MIN_TOKEN_SECONDS} seconds` },
    ]);
  const namespace = ctx.target.namespace!;
  const sa = ctx.api.get(ctx.type, namespace, ctx.target.name!); // 404 for a missing ServiceAccount
  const expiresAt = Date.now() + Math.min(seconds, MAX_TOKEN_SECONDS) * 1000;
  const token = issuer.issue({
    ...serviceAccountIdentity(namespace, sa.metadata.name!, sa.metadata.uid),
    boundTo: { namespace, serviceAccount: sa.metadata.name!, uid: sa.metadata.uid! },
    expiresAt,
  });
  sendJson(ctx.res, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: sa.metadata.name, namespace, creationTimestamp: null },
    spec: { audiences: body.spec?.audiences ?? ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: Math.min(seconds, MAX_TOKEN_SECONDS) },
    status: { token, expirationTimestamp: new Date(expiresAt).toISOString().replace(/\.\d+Z$/, 'Z') },
  });
}
