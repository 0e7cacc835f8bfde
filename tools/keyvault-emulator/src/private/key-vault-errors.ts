import type { Collection } from '../emulated-vault.js';

/** The JSON error body Key Vault sends: `{"error":{"code","message","innererror":{"code"}}}`. */
export interface KeyVaultErrorReply {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly innerCode?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export function errorBody(reply: Pick<KeyVaultErrorReply, 'code' | 'message' | 'innerCode'>): string {
  const error: Record<string, unknown> = { code: reply.code, message: reply.message };
  if (reply.innerCode) error['innererror'] = { code: reply.innerCode };
  return JSON.stringify({ error });
}

const SINGULAR: Record<Collection, string> = { secrets: 'secret', keys: 'key', certificates: 'certificate' };
const TITLE: Record<Collection, string> = { secrets: 'Secret', keys: 'Key', certificates: 'Certificate' };

export const missingToken = (): KeyVaultErrorReply => ({
  status: 401,
  code: 'Unauthorized',
  message: 'AKV10000: Request is missing a Bearer or PoP token.',
});

/** Wording inferred. */
export const claimsRequired = (): KeyVaultErrorReply => ({
  status: 401,
  code: 'Unauthorized',
  message:
    'The access token does not satisfy the claims the service requires (continuous access evaluation).',
});

export const invalidAudience = (expected: string, found: string): KeyVaultErrorReply => ({
  status: 401,
  code: 'Unauthorized',
  message: `AKV10022: Invalid audience. Expected ${expected}, found: ${found}.`,
});

/** Wording inferred: Key Vault's texts for these token failures are not in our sources. */
export const invalidToken = (reason: string): KeyVaultErrorReply => ({
  status: 401,
  code: 'Unauthorized',
  message:
    reason === 'expired'
      ? 'AKV10021: Invalid token: the token is expired.'
      : `AKV10020: Invalid token: ${reason === 'bad-signature' ? 'the signature is invalid' : 'the token is malformed'}.`,
});

export const invalidIssuer = (expectedTenant: string, foundIssuer: string): KeyVaultErrorReply => ({
  status: 401,
  code: 'Unauthorized',
  message: `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${expectedTenant}/, found ${foundIssuer}.`,
});

export interface CallerIdentity {
  readonly appid: string;
  readonly oid: string;
  readonly tid: string;
}

const caller = (c: CallerIdentity) => `appid=${c.appid};oid=${c.oid};iss=https://sts.windows.net/${c.tid}/`;

export const accessDenied = (
  who: CallerIdentity,
  collection: Collection,
  operation: 'get' | 'list',
  vault: string,
  location: string,
): KeyVaultErrorReply => ({
  status: 403,
  code: 'Forbidden',
  innerCode: 'AccessDenied',
  message:
    `The user, group or application '${caller(who)}' does not have ${collection} ${operation} permission ` +
    `on key vault '${vault};location=${location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
});

const RBAC_ACTIONS: Record<Collection, Record<'get' | 'list', string>> = {
  secrets: {
    get: 'Microsoft.KeyVault/vaults/secrets/getSecret/action',
    list: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  },
  keys: { get: 'Microsoft.KeyVault/vaults/keys/read', list: 'Microsoft.KeyVault/vaults/keys/read' },
  certificates: {
    get: 'Microsoft.KeyVault/vaults/certificates/read',
    list: 'Microsoft.KeyVault/vaults/certificates/read',
  },
};

export const forbiddenByRbac = (
  who: CallerIdentity,
  collection: Collection,
  operation: 'get' | 'list',
  name: string,
  vault: string,
  location: string,
): KeyVaultErrorReply => ({
  status: 403,
  code: 'Forbidden',
  innerCode: 'ForbiddenByRbac',
  message:
    'Caller is not authorized to perform action on resource.\r\n' +
    'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n' +
    `Caller: ${caller(who)}\r\n` +
    `Action: '${RBAC_ACTIONS[collection][operation]}'\r\n` +
    `Resource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/emulator/providers/microsoft.keyvault/vaults/${vault}/${collection}/${name}'\r\n` +
    'Assignment: (not found)\r\n' +
    'DenyAssignmentId: null\r\n' +
    "DecisionReason: 'DeniedWithNoValidRBAC' \r\n" +
    `Vault: ${vault};location=${location}\r\n`,
});

export const forbiddenByFirewall = (
  clientAddress: string,
  vault: string,
  location: string,
): KeyVaultErrorReply => ({
  status: 403,
  code: 'Forbidden',
  innerCode: 'ForbiddenByFirewall',
  message:
    'Client address is not authorized and caller is not a trusted service.\r\n' +
    `Client address: ${clientAddress}\r\n` +
    `Caller: \r\nVault: ${vault};location=${location}\r\n`,
});

/** Wording confirmed for secrets; keys and certificates follow the same pattern (inferred). */
export const objectDisabled = (collection: Collection): KeyVaultErrorReply => ({
  status: 403,
  code: 'Forbidden',
  innerCode: `${TITLE[collection]}Disabled`,
  message: `Operation get is not allowed on a disabled ${SINGULAR[collection]}.`,
});

/** Wording inferred from similar services. */
export const objectNotFound = (collection: Collection, nameOrId: string): KeyVaultErrorReply => ({
  status: 404,
  code: `${TITLE[collection]}NotFound`,
  message:
    `A ${SINGULAR[collection]} with (name/id) ${nameOrId} was not found in this key vault. ` +
    `If you recently deleted this ${SINGULAR[collection]} you may be able to recover it using the correct recovery command. ` +
    'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182',
});

export const throttled = (reason = 'VaultRequestTypeLimitReached'): KeyVaultErrorReply => ({
  status: 429,
  code: 'Throttled',
  message: `Request was not processed because too many requests were received. Reason: ${reason}`,
});

export const serviceUnavailable = (): KeyVaultErrorReply => ({
  status: 503,
  code: 'ServiceUnavailable',
  message: 'The service is temporarily unavailable. Please retry later.',
});

export const badParameter = (message: string): KeyVaultErrorReply => ({
  status: 400,
  code: 'BadParameter',
  message,
});

export const methodNotAllowed = (method: string, path: string): KeyVaultErrorReply => ({
  status: 405,
  code: 'MethodNotAllowed',
  message: `The emulator serves reads only; ${method} ${path} is not supported.`,
});
