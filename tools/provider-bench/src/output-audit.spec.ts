import { describe, expect, it } from 'vitest';
import { auditOutput } from './output-audit.js';

describe('auditOutput', () => {
  it('finds served values, JWTs and private key headers without repeating them', () => {
    const output = [
      '{"msg":"mounted","files":2}',
      '{"msg":"oops","value":"s3cret-value"}',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
      '-----BEGIN EC PRIVATE KEY-----',
    ].join('\n');
    const findings = auditOutput(output, ['s3cret-value', 'never-printed']);
    expect(findings.map((f) => f.kind)).toEqual(['secret-value', 'token', 'private-key']);
    expect(JSON.stringify(findings)).not.toContain('s3cret-value');
  });

  it('passes clean output', () => {
    expect(auditOutput('{"msg":"mount ok","objects":3}', ['value'])).toEqual([]);
  });
});
