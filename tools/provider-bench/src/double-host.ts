#!/usr/bin/env node
// A test double in its own process, driven over the IPC channel by DoubleProcess: `nmi` runs the
// fake NMI, `kv <tlsDir>` the Key Vault emulator. The doubles' CLIs have no stats endpoint; this host
// answers counters over IPC so the bench can count NMI calls and Key Vault requests.
import { FakeNmi } from '@keyvault-csi/fake-nmi';
import { KeyVaultEmulator } from '@keyvault-csi/keyvault-emulator';
import type {
  DoubleReady,
  DoubleReply,
  DoubleRequest,
  KeyVaultCounts,
  NmiCounts,
} from './double-protocol.js';
import { vaultRequestKinds } from './vault-request-kinds.js';

const [role, tlsDir, optionsJson] = process.argv.slice(2);
const hostOptions = JSON.parse(optionsJson || '{}') as { tokenLifetimeSeconds?: number };
if (!process.send) throw new Error('double-host must be started with an IPC channel');
const send = (message: DoubleReady | DoubleReply) => process.send?.(message);

let handle: (request: DoubleRequest) => unknown;
let stop: () => Promise<void>;
if (role === 'nmi') {
  const nmi = await FakeNmi.start(
    hostOptions.tokenLifetimeSeconds ? { tokenLifetimeSeconds: hostOptions.tokenLifetimeSeconds } : {},
  );
  stop = () => nmi.stop();
  handle = (request) => {
    switch (request.op) {
      case 'nmi.bind':
        for (const pod of request.pods) nmi.bind(pod.namespace, pod.name, request.clientId);
        return undefined;
      case 'nmi.counters': {
        const { calls, tokensIssued, errors } = nmi.counters;
        return { calls, tokensIssued, errors } satisfies NmiCounts;
      }
      case 'nmi.resetLog':
        nmi.resetLog();
        return undefined;
      default:
        return common(request);
    }
  };
  send({ type: 'ready', url: nmi.url });
} else if (role === 'kv') {
  // Counters come from the request log (default bound 100 000 entries): callers reset it per phase.
  const kv = await KeyVaultEmulator.start(tlsDir ? { tlsDir } : {});
  stop = () => kv.stop();
  handle = (request) => {
    switch (request.op) {
      case 'kv.seed': {
        const vault = kv.vault(request.seed.vault);
        vault.grant(request.seed.clientId, { secrets: ['get', 'list'] });
        for (const [name, value] of Object.entries(request.seed.secrets)) vault.setSecret(name, value);
        return undefined;
      }
      case 'kv.latency':
        kv.latencyMs = request.ms;
        return undefined;
      case 'kv.stats': {
        const { total, probes, authorized, rejected, tunnels, byStatus } = kv.stats();
        const { listPages, secretGets } = vaultRequestKinds(kv.requests);
        return {
          total,
          probes,
          authorized,
          rejected,
          tunnels,
          listPages,
          secretGets,
          byStatus,
        } satisfies KeyVaultCounts;
      }
      case 'kv.resetStats':
        kv.resetStats();
        return undefined;
      default:
        return common(request);
    }
  };
  send({ type: 'ready', url: kv.url, proxyUrl: kv.proxyUrl, caCertPath: kv.caCertPath });
} else {
  throw new Error(`unknown role ${role ?? '(none)'}: expected nmi or kv`);
}

function common(request: DoubleRequest): unknown {
  if (request.op === 'rss') return process.memoryUsage().rss;
  throw new Error(`${role} does not handle ${request.op}`);
}

process.on('message', (message: { id: number; request: DoubleRequest }) => {
  try {
    send({ type: 'reply', id: message.id, result: handle(message.request) });
  } catch (error) {
    send({ type: 'reply', id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
// The parent going away (IPC closed) or a signal ends the double.
const shutdown = () => {
  stop().finally(() => process.exit(0));
};
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
