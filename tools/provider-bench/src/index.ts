export { benchJson, benchMarkdown, type MissNotes, writeBenchDocs } from './bench-report.js';
export {
  DaemonUnderTest,
  type DaemonUnderTestOptions,
  daemonMain,
  tasksetAvailable,
} from './daemon-under-test.js';
export { DoubleProcess } from './double-process.js';
export type { DoubleRequest, KeyVaultCounts, KeyVaultSeed, NmiCounts } from './double-protocol.js';
export {
  type Figure,
  figureTable,
  formatValue,
  type MachineInfo,
  machineInfo,
  textTable,
} from './figures.js';
export {
  type BenchPod,
  benchPods,
  errorsByCode,
  type MountResult,
  median,
  mountAttributes,
  mountOnce,
  runPool,
} from './mount-load.js';
export { type AuditFinding, auditOutput } from './output-audit.js';
export { cpuSecondsOf, PeakSampler, type ProcessReading, readProcess, resetPeak } from './process-sampler.js';
export { type ProviderBenchOptions, type ProviderBenchResult, runProviderBench } from './provider-bench.js';
export { runSoak, type SoakOptions, type SoakResult, type SoakSample } from './soak.js';
