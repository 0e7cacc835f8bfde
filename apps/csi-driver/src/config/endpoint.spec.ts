import { describe, expect, it } from 'vitest';
import { EndpointError, grpcAddress, parseEndpoint } from './endpoint.js';

describe('parseEndpoint', () => {
  it('maps endpoints to grpc-js addresses', () => {
    expect(grpcAddress(parseEndpoint('unix:///provider/azure.sock'), 'bind')).toBe(
      'unix:/provider/azure.sock',
    );
    expect(grpcAddress(parseEndpoint('tcp://:7777'), 'bind')).toBe('0.0.0.0:7777');
    expect(grpcAddress(parseEndpoint('tcp://:7777'), 'dial')).toBe('127.0.0.1:7777');
    expect(grpcAddress(parseEndpoint('tcp://[::1]:7777'), 'dial')).toBe('[::1]:7777');
  });

  it('rejects anything without a unix:// or tcp:// address', () => {
    for (const text of ['', 'unix://', 'tcp://', 'azure.sock', 'tcp://host:port', 'tcp://host:99999']) {
      expect(() => parseEndpoint(text)).toThrow(new EndpointError(`invalid endpoint: ${text}`));
    }
  });
});
