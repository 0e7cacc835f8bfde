import { describe, expect, it } from 'vitest';
import { resourceFromScopes } from './resource.js';

describe('resourceFromScopes', () => {
  it('maps SDK scopes to the NMI resource without a trailing slash', () => {
    expect(resourceFromScopes('https://vault.azure.net/.default')).toBe('https://vault.azure.net');
    expect(resourceFromScopes(['https://vault.azure.cn/.default'])).toBe('https://vault.azure.cn');
    expect(resourceFromScopes('https://vault.azure.net/')).toBe('https://vault.azure.net');
    expect(resourceFromScopes('https://vault.azure.net')).toBe('https://vault.azure.net');
  });

  it('refuses no scope, an empty one or several', () => {
    expect(resourceFromScopes([])).toBeUndefined();
    expect(resourceFromScopes('/.default')).toBeUndefined();
    expect(resourceFromScopes(['a/.default', 'b/.default'])).toBeUndefined();
  });
});
