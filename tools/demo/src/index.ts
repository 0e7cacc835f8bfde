export { type ChartDaemonRuntime, chartDaemonRuntime, chartValuesPath } from './chart-node-options.js';
export { type DaemonExit, DaemonProcess, daemonMainPath } from './daemon-process.js';
export {
  DEMO_CLIENT_ID,
  DEMO_SECRET_VALUE,
  type DemoOptions,
  type DemoResult,
  readVisibleFiles,
  runDemo,
} from './demo.js';
export { type ExamplePod, readExamplePod, readSecretProviderClass } from './example-pod.js';
export { freePort } from './free-port.js';
export { ProviderStack, type ProviderStackOptions } from './provider-stack.js';
