/**
 * The identity NMI used for a pod: NMI's `clientid` (the first identity bound to the pod that
 * matches, or the one `client_id` asked for) and the tenant and object id of the token it issued.
 * Pods with equal identities get tokens with the same Key Vault access; never carries the token.
 */
export interface NmiIdentity {
  /** `clientid` of NMI's response. */
  readonly clientId: string;
  /** `tid` claim of the token (lower case); undefined when the token is not a readable JWT. */
  readonly tenantId: string | undefined;
  /** `oid` claim of the token (lower case); undefined when the token is not a readable JWT. */
  readonly objectId?: string | undefined;
}
