import { createHmac, randomUUID } from 'node:crypto';
import { DEFAULT_TEST_SIGNING_KEY } from '@keyvault-csi/test-tokens';

/** Audience of the token kubelet hands to workload identity (`api://AzureADTokenExchange`). */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
/** Issuer of the service-account tokens this fake issues (an AKS OIDC issuer URL). */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER =
  'https://oidc.fake-aks.example/00000000-0000-0000-0000-000000000000/';

export interface ServiceAccountTokenOptions {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Default `api://AzureADTokenExchange`. */
  readonly audience?: string;
  readonly issuer?: string;
  readonly lifetimeSeconds?: number;
  readonly nowMs?: number;
  /** The shared test signing key (default: the test-tokens default, so `verifyTestToken` checks it). */
  readonly signingKey?: string;
}

/** `system:serviceaccount:<namespace>:<name>`, the subject Kubernetes puts in the token. */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/**
 * A projected service-account token as kubelet passes it in `csi.storage.k8s.io/serviceAccount.tokens`:
 * a JWT with `iss`, `sub`, `aud`, `exp`, `iat`, `nbf` and the `kubernetes.io` claim, signed HS256
 * with the shared test key (where a real cluster signs RS256 with its issuer key), so
 * `verifyTestToken` from `@keyvault-csi/test-tokens` checks it.
 */
export function issueServiceAccountToken(options: ServiceAccountTokenOptions): {
  token: string;
  expirationTimestamp: string;
} {
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const exp = now + (options.lifetimeSeconds ?? 3600);
  const claims = {
    aud: [options.audience ?? TOKEN_EXCHANGE_AUDIENCE],
    exp,
    iat: now,
    nbf: now,
    iss: options.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER,
    jti: randomUUID(),
    sub: serviceAccountSubject(options.namespace, options.serviceAccount),
    'kubernetes.io': {
      namespace: options.namespace,
      serviceaccount: { name: options.serviceAccount, uid: randomUUID() },
    },
  };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  const signature = createHmac('sha256', options.signingKey ?? DEFAULT_TEST_SIGNING_KEY)
    .update(head)
    .digest('base64url');
  return { token: `${head}.${signature}`, expirationTimestamp: new Date(exp * 1000).toISOString() };
}

/**
 * The `csi.storage.k8s.io/serviceAccount.tokens` attribute value kubelet builds:
 * `{"<audience>":{"token":"<jwt>","expirationTimestamp":"<RFC 3339>"}}`.
 */
export function serviceAccountTokensAttribute(
  tokens: Readonly<Record<string, { readonly token: string; readonly expirationTimestamp: string }>>,
): string {
  return JSON.stringify(tokens);
}
