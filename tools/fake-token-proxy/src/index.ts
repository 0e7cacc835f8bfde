export { FakeApiServer, type FakeApiServerOptions } from './fake-api-server.js';
export {
  FakeTokenProxy,
  type FakeTokenProxyOptions,
  type FakeTokenProxyRequest,
} from './fake-token-proxy.js';
export { issueServerCertificate, type ServerCertificate, type TestCa } from './server-certificate.js';
