/**
 * The object fields this package reads: a structural subset of `KeyVaultObject` from
 * `@keyvault-csi/spc` (packages/spc/src/mount-plan.ts), so any validated spc object is accepted.
 * Declared here, not imported, while spc's public index does not export its types yet.
 */
export type ObjectType = 'secret' | 'key' | 'cert';
export type ObjectFormat = 'pem' | 'pfx';
export type ObjectEncoding = 'utf-8' | 'base64' | 'hex';

export interface KeyVaultObject {
  readonly index: number;
  readonly objectName: string;
  readonly objectType: ObjectType;
  readonly objectAlias: string;
  /** `""` or `latest` mean the current version. */
  readonly objectVersion: string;
  /** 0 or 1 = single version; N > 1 = the newest N versions as `<fileName>/0..N-1`. */
  readonly objectVersionHistory: number;
  readonly objectFormat: ObjectFormat;
  readonly objectEncoding: ObjectEncoding;
  readonly filePermission: string;
  readonly fileMode: number;
  /** `objectAlias` if set, else `objectName`. */
  readonly fileName: string;
}
