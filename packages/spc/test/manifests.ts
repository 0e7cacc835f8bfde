/** The SecretProviderClass example of docs/spc-parameters.md: pod identity, two secrets. */
export const SPEC_EXAMPLE = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata: {name: kv-shop, namespace: shop}
spec:
  provider: azure
  parameters:
    usePodIdentity: "true"
    keyvaultName: kv-shop
    tenantId: 72f988bf-0000-0000-0000-000000000000
    objects: |
      array:
        - |
          objectName: db-password
          objectType: secret
        - |
          objectName: tls-cert
          objectType: secret
          objectAlias: tls/bundle.pem
          filePermission: 0600
`;
