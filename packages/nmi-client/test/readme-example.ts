import { NmiClient, NmiError, redact } from '@keyvault-csi/nmi-client';

/** The README's example, verbatim between the markers; readme.spec.ts runs it against the fake NMI. */
export async function readmeExample(endpoint: string): Promise<void> {
  // README:start
  // One client per process: it owns the connection pool, the token cache and single-flight.
  const nmi = new NmiClient({
    endpoint, // default http://127.0.0.1:2579
    retry: { budgetMs: 60_000 }, // used when a credential has no deadline
    cacheMarginMs: 5 * 60_000,
    onEvent: (event) => {
      if (event.type === 'retry')
        console.log(`NMI retry after attempt ${event.attempt}, waiting ${event.delayMs} ms`);
    },
  });

  // One credential per mount: the pod from the CSI request, the mount's deadline.
  const credential = nmi.credentialFor({
    pod: { namespace: 'shop', name: 'web-0', uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' },
    deadline: Date.now() + 30_000,
  });

  try {
    // What an Azure SDK client does after Key Vault's 401 challenge.
    const token = await credential.getToken('https://vault.azure.net/.default');
    console.log(`got ${redact(token.token)}, expires ${new Date(token.expiresOnTimestamp).toISOString()}`);
  } catch (error) {
    if (error instanceof NmiError && error.code === 'NMI_NOT_FOUND') {
      console.log(`no identity for the pod yet: ${error.message}`);
    }
    throw error;
  } finally {
    await nmi.close();
  }
  // README:end
}
