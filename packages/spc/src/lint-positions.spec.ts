import { describe, expect, it } from 'vitest';
import { lintSecretProviderClass } from './index.js';

const HEADER = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: shop
`;
const PARAMETERS = `  parameters:
    keyvaultName: kv-shop
    tenantId: tid
    objects: |
      array:
        - |
          objectName: a
          objectType: secret
`;

/** The one finding of a manifest, as `line:column code message`. */
function only(text: string): string {
  const found = lintSecretProviderClass(text);
  expect(found, JSON.stringify(found)).toHaveLength(1);
  const [d] = found;
  return `${d!.line}:${d!.column} ${d!.code} ${d!.message}`;
}

// Line and column are where the reader has to look: the first character of what is wrong.
describe('lintSecretProviderClass: positions of YAML syntax errors', () => {
  it('a top-level key indented under the previous one: at the key, not at the line above', () => {
    expect(only(`apiVersion: secrets-store.csi.x-k8s.io/v1\n      kind: SecretProviderClass\n`)).toBe(
      '2:7 INVALID_MANIFEST yaml: Nested mappings are not allowed in compact mappings',
    );
  });

  it('an over-indented key under a scalar value: at the key', () => {
    const text = `${HEADER}spec:\n  provider: azure\n      parameters:\n        keyvaultName: kv\n`;
    expect(only(text)).toBe('7:7 INVALID_MANIFEST yaml: Nested mappings are not allowed in compact mappings');
  });

  it('the same with CRLF line ends', () => {
    const text = `${HEADER}spec:\n  provider: azure\n    parameters: {}\n`.replace(/\n/g, '\r\n');
    expect(only(text)).toBe('7:5 INVALID_MANIFEST yaml: Nested mappings are not allowed in compact mappings');
  });

  it('an under-indented key: at the key, not at column 1', () => {
    const text = `${HEADER}spec:\n  provider: azure\n parameters: {}\n`;
    expect(only(text)).toBe('7:2 INVALID_MANIFEST yaml: All mapping items must start at the same column');
  });

  it('a block scalar line indented less than its block: at its text', () => {
    const text = `${HEADER}spec:\n  provider: |\n x\n`;
    expect(only(text)).toBe('7:2 INVALID_MANIFEST yaml: All mapping items must start at the same column');
  });

  it('a list item inside a mapping: at the dash', () => {
    const text = `${HEADER}spec:\n  provider: azure\n  - parameters\n`;
    expect(only(text)).toBe(
      '7:3 INVALID_MANIFEST yaml: A block sequence may not be used as an implicit map key',
    );
  });

  it('a tab used as indentation: at the tab', () => {
    const text = `${HEADER}spec:\n  provider: azure\n  \tparameters: {}\n`;
    expect(only(text)).toBe('7:3 INVALID_MANIFEST yaml: Tabs are not allowed as indentation');
  });

  it('a key missing the space after its colon: at that key', () => {
    const text = `${HEADER}spec:\n  provider:azure\n${PARAMETERS}`;
    expect(only(text)).toBe('6:3 INVALID_MANIFEST yaml: Implicit keys need to be on a single line');
  });

  it('a double-quoted value that never closes: at the opening quote', () => {
    const text = `${HEADER}spec:\n  provider: "azure\n${PARAMETERS}`;
    expect(only(text)).toBe('6:13 INVALID_MANIFEST yaml: Missing closing "quote');
  });

  it('a single-quoted value that never closes: at the opening quote', () => {
    const text = `${HEADER}spec:\n  provider: 'azure\n${PARAMETERS}`;
    expect(only(text)).toBe("6:13 INVALID_MANIFEST yaml: Missing closing 'quote");
  });

  it('a flow mapping that never closes: at its opening brace', () => {
    const text = `${HEADER}spec:\n  provider: azure\n  parameters: {keyvaultName: kv\nstatus: {}\n`;
    expect(only(text)).toMatch(/^7:15 INVALID_MANIFEST yaml: Flow map in block collection must be/);
  });

  it('a flow sequence that never closes, at the end of the file: at its opening bracket', () => {
    const text = `${HEADER}spec:\n  provider: azure\n  secretObjects: [\n`;
    expect(only(text)).toMatch(/^7:18 INVALID_MANIFEST yaml: Flow sequence in block collection must be/);
  });

  it('a stray closing bracket: at the bracket', () => {
    const text = `${HEADER}spec: ]\n`;
    expect(only(text)).toBe('5:7 INVALID_MANIFEST yaml: Unexpected flow-seq-end token in YAML stream: "]"');
  });

  it('a duplicate key: at the second occurrence', () => {
    const text = `${HEADER}spec:\n  provider: azure\n  provider: other\n`;
    expect(only(text)).toBe('7:3 INVALID_MANIFEST yaml: Map keys must be unique');
  });

  it('an invalid escape in a double-quoted value: at the backslash', () => {
    const text = `${HEADER}spec:\n  provider: "a\\qb"\n`;
    expect(only(text)).toBe('6:15 INVALID_MANIFEST yaml: Invalid escape sequence \\q');
  });

  it('a value starting with a reserved character: at that character', () => {
    const text = `${HEADER}spec:\n  provider: @azure\n`;
    expect(only(text)).toBe('6:13 INVALID_MANIFEST yaml: Plain value cannot start with reserved character @');
  });

  it('an alias to an undefined anchor: at the alias', () => {
    const text = `${HEADER}spec:\n  provider: *nope\n`;
    expect(only(text)).toBe('6:13 INVALID_MANIFEST yaml: unknown anchor nope');
  });

  it('an error in a later document of the stream: in that document', () => {
    const text = `kind: ConfigMap\n---\n${HEADER}spec:\n  provider: azure\n parameters: {}\n`;
    expect(only(text)).toBe('9:2 INVALID_MANIFEST yaml: All mapping items must start at the same column');
  });

  it('an indentation error inside the objects block: at the object key in the manifest', () => {
    const text = `${HEADER}spec:\n  provider: azure\n${PARAMETERS}           objectVersion: v1\n`;
    const [d] = lintSecretProviderClass(text);
    expect([d!.line, d!.column, d!.code]).toEqual([15, 12, 'INVALID_OBJECT_YAML']);
  });
});
