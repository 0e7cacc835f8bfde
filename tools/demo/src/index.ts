export { type ChartDaemonRuntime, chartDaemonRuntime, chartValuesPath } from './chart-node-options.js';
export {
  type DaemonExit,
  DaemonProcess,
  type DaemonProcessOptions,
  daemonMainPath,
} from './daemon-process.js';
export {
  DEMO_CLIENT_ID,
  DEMO_ROTATED_VALUE,
  DEMO_SECRET_VALUE,
  type DemoOptions,
  type DemoResult,
  type RunningDemo,
  readVisibleFiles,
  runDemo,
  startDemo,
} from './demo.js';
export { type ExamplePod, readExamplePod, readSecretProviderClass } from './example-pod.js';
export { freePort } from './free-port.js';
export { GroupWatchdog, signalProcessGroup } from './process-group.js';
export { ProviderStack, type ProviderStackOptions } from './provider-stack.js';
