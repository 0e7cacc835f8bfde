import type { IdentityConfig } from './mount-plan.js';
import { goTrimSpace } from './private/go-text.js';
import { jsonKind, parseJson } from './private/json-payload.js';
import { SpcError, type SpcErrorCode } from './spc-error.js';

/** Audience of the workload-identity service-account token. */
export const WORKLOAD_IDENTITY_AUDIENCE = 'api://AzureADTokenExchange';
/** Audience of the identity-binding (`useAzureTokenProxy`) service-account token. */
export const IDENTITY_BINDING_AUDIENCE = 'api://AKSIdentityBinding';
/** Attribute (or, from Kubernetes 1.35, secrets key) holding kubelet's service-account tokens. */
export const SERVICE_ACCOUNT_TOKENS_KEY = 'csi.storage.k8s.io/serviceAccount.tokens';

/** Mode names as the reference prints them in `failed to build auth config for mode <mode>: ...`. */
export type AuthConfigModeName = 'None' | 'PodIdentity' | 'VMManagedIdentity' | 'AzureTokenProxy';

export interface IdentityInputs {
  readonly usePodIdentity: boolean;
  readonly useVMManagedIdentity: boolean;
  readonly useAzureTokenProxy: boolean;
  /** Trimmed parameters. */
  readonly clientID: string;
  readonly userAssignedIdentityID: string;
  readonly podIdentityClientID: string;
  /** Trimmed `csi.storage.k8s.io/serviceAccount.tokens` JSON (`""` when absent). */
  readonly serviceAccountTokens: string;
  /** The decoded `secrets` map (nodePublishSecretRef data). */
  readonly secrets: ReadonlyMap<string, string>;
}

export function authConfigModeName(inputs: IdentityInputs): AuthConfigModeName {
  if (inputs.usePodIdentity) return 'PodIdentity';
  if (inputs.useVMManagedIdentity) return 'VMManagedIdentity';
  if (inputs.useAzureTokenProxy) return 'AzureTokenProxy';
  return 'None';
}

/**
 * Step 11: the identity the mount authenticates with. At most one of the three booleans may be
 * true (step 6 checks that first). Throws `SpcError` `failed to build auth config for mode <mode>: <e>`.
 * `clientID` only selects workload identity when no mode is set (the reference also parses tokens
 * in the other modes; we ignore it there).
 */
export function buildIdentityConfig(inputs: IdentityInputs): IdentityConfig {
  const mode = authConfigModeName(inputs);
  const fail = (code: SpcErrorCode, cause: string): never => {
    throw new SpcError(code, `failed to build auth config for mode ${mode}: ${cause}`);
  };
  switch (mode) {
    case 'PodIdentity':
      return Object.freeze({ mode: 'PodIdentity', podIdentityClientId: inputs.podIdentityClientID });
    case 'VMManagedIdentity':
      return Object.freeze({
        mode: 'VMManagedIdentity',
        userAssignedIdentityId: inputs.userAssignedIdentityID,
      });
    case 'AzureTokenProxy': {
      if (inputs.clientID === '') fail('CLIENT_ID_MISSING', 'clientID is required for identity binding');
      const tokens = serviceAccountTokens(inputs);
      if (tokens === '') {
        fail('SERVICE_ACCOUNT_TOKENS_MISSING', 'service account tokens are required for identity binding');
      }
      const token = tokenForAudience(tokens, IDENTITY_BINDING_AUDIENCE);
      if (!token.ok)
        return fail(
          token.code,
          `failed to parse service account token for identity binding, error: ${token.cause}`,
        );
      return withHiddenSecret(
        { mode: 'AzureTokenProxy', clientId: inputs.clientID },
        'serviceAccountToken',
        token.token,
      );
    }
    case 'None': {
      if (inputs.clientID !== '') {
        const tokens = serviceAccountTokens(inputs);
        const token =
          tokens === ''
            ? ({
                ok: false,
                code: 'SERVICE_ACCOUNT_TOKENS_MISSING',
                cause: 'service account tokens not found',
              } as const)
            : tokenForAudience(tokens, WORKLOAD_IDENTITY_AUDIENCE);
        if (!token.ok)
          return fail(token.code, `failed to parse workload identity tokens, error: ${token.cause}`);
        return withHiddenSecret(
          { mode: 'WorkloadIdentity', clientId: inputs.clientID },
          'serviceAccountToken',
          token.token,
        );
      }
      // The reference checks the secret here, before the objects (steps 12–16).
      const { clientId, clientSecret, hasNodePublishSecret } = servicePrincipalSecrets(inputs.secrets);
      if (!hasNodePublishSecret) {
        fail(
          'NODE_PUBLISH_SECRET_MISSING',
          'failed to get credentials, nodePublishSecretRef secret is not set',
        );
      }
      if (clientId === '') fail('CLIENT_ID_NOT_IN_SECRETS', 'could not find clientid in secrets');
      if (clientSecret === '') fail('CLIENT_SECRET_NOT_IN_SECRETS', 'could not find clientsecret in secrets');
      return withHiddenSecret({ mode: 'ServicePrincipal', clientId }, 'clientSecret', clientSecret);
    }
  }
}

function serviceAccountTokens(inputs: IdentityInputs): string {
  if (inputs.serviceAccountTokens !== '') return inputs.serviceAccountTokens;
  return goTrimSpace(inputs.secrets.get(SERVICE_ACCOUNT_TOKENS_KEY) ?? '');
}

type TokenResult =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly code: SpcErrorCode; readonly cause: string };

/** `{"<audience>":{"token":"<jwt>","expirationTimestamp":"..."}}`; the causes never contain token text. */
export function tokenForAudience(tokensJson: string, audience: string): TokenResult {
  const parsed = parseJson(tokensJson);
  const invalid = (cause: string): TokenResult => ({
    ok: false,
    code: 'INVALID_SERVICE_ACCOUNT_TOKENS',
    cause: `failed to unmarshal service account tokens, error: ${cause}`,
  });
  if (!parsed.ok) return invalid(parsed.cause);
  const value = parsed.value;
  const tokens = new Map<string, unknown>();
  if (value !== null) {
    if (jsonKind(value) !== 'object') {
      return invalid(
        `json: cannot unmarshal ${jsonKind(value)} into Go value of type map[string]auth.TokenRequest`,
      );
    }
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      if (entry !== null && jsonKind(entry) !== 'object') {
        return invalid(`json: cannot unmarshal ${jsonKind(entry)} into Go value of type auth.TokenRequest`);
      }
      const token = entry === null ? undefined : (entry as Record<string, unknown>).token;
      if (token !== undefined && token !== null && typeof token !== 'string') {
        return invalid(
          `json: cannot unmarshal ${jsonKind(token)} into Go struct field TokenRequest.token of type string`,
        );
      }
      tokens.set(key, token ?? '');
    }
  }
  if (!tokens.has(audience)) {
    return {
      ok: false,
      code: 'SERVICE_ACCOUNT_TOKEN_NOT_FOUND',
      cause: `token for audience ${audience} not found`,
    };
  }
  return { ok: true, token: tokens.get(audience) as string };
}

function servicePrincipalSecrets(secrets: ReadonlyMap<string, string>): {
  clientId: string;
  clientSecret: string;
  hasNodePublishSecret: boolean;
} {
  let clientId: string | undefined;
  let clientSecret: string | undefined;
  let hasNodePublishSecret = false;
  for (const [key, value] of secrets) {
    // Kubernetes 1.35 may pass the service-account tokens here; they are not the user's secret.
    if (key === SERVICE_ACCOUNT_TOKENS_KEY) continue;
    hasNodePublishSecret = true;
    const lower = key.toLowerCase();
    // An exact lower-case key wins over other spellings (Go's map order would pick at random).
    if (lower === 'clientid' && (clientId === undefined || key === 'clientid')) clientId = value;
    if (lower === 'clientsecret' && (clientSecret === undefined || key === 'clientsecret'))
      clientSecret = value;
  }
  return { clientId: clientId ?? '', clientSecret: clientSecret ?? '', hasNodePublishSecret };
}

function withHiddenSecret<T extends object, K extends string>(
  visible: T,
  key: K,
  secret: string,
): Readonly<T & Record<K, string>> {
  Object.defineProperty(visible, key, {
    value: secret,
    enumerable: false,
    writable: false,
    configurable: false,
  });
  return Object.freeze(visible) as Readonly<T & Record<K, string>>;
}
