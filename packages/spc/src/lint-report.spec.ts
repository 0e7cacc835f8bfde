import { describe, expect, it } from 'vitest';
import {
  formatGithubAnnotation,
  lintManifest,
  lintSecretProviderClass,
  toReportDiagnostic,
} from './index.js';

const SPC = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: shop
spec:
  provider: azure
  parameters:
    keyvaultName: kv-shop
    tenantId: tid
    objects: 'array: ["objectName: a\\nobjectType: secret"]'
`;

describe('lintManifest', () => {
  it('counts the SecretProviderClasses checked and skips documents of other kinds', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n${SPC}---\n# empty\n---\nkind: Deployment\n`;
    expect(lintManifest(text)).toEqual({ diagnostics: [], secretProviderClasses: 1, skippedDocuments: 2 });
  });

  it('reports a text without any SecretProviderClass as asked: error, warning or nothing', () => {
    const text = 'kind: ConfigMap\n';
    expect(lintSecretProviderClass(text, { fileName: 'cm.yaml' })).toMatchObject([
      {
        severity: 'error',
        code: 'NO_SECRET_PROVIDER_CLASS',
        message: 'cm.yaml contains no SecretProviderClass',
      },
    ]);
    expect(lintManifest(text, { noSecretProviderClass: 'warning' }).diagnostics).toMatchObject([
      { severity: 'warning', code: 'NO_SECRET_PROVIDER_CLASS' },
    ]);
    expect(lintManifest(text, { noSecretProviderClass: 'ignore' })).toEqual({
      diagnostics: [],
      secretProviderClasses: 0,
      skippedDocuments: 1,
    });
  });

  it('does not count a broken document as skipped', () => {
    const result = lintManifest('kind: ConfigMap\n---\nkind: [\n', { noSecretProviderClass: 'ignore' });
    expect(result.skippedDocuments).toBe(1);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['INVALID_MANIFEST']);
  });
});

describe('formatGithubAnnotation', () => {
  const diagnostic = {
    severity: 'error' as const,
    code: 'OBJECTS_MISSING' as const,
    message: '100% wrong:\n  a, b',
    line: 3,
    column: 7,
  };

  it('prints a workflow command GitHub turns into an annotation, escaping properties and data', () => {
    expect(formatGithubAnnotation(diagnostic, 'k8s/a,b:c.yaml')).toBe(
      '::error file=k8s/a%2Cb%3Ac.yaml,line=3,col=7,title=OBJECTS_MISSING::100%25 wrong: a, b',
    );
    expect(formatGithubAnnotation({ ...diagnostic, severity: 'warning' }, 'x.yaml')).toMatch(
      /^::warning file=x\.yaml,/,
    );
  });

  it('gives report entries one-line messages', () => {
    expect(toReportDiagnostic(diagnostic, 'x.yaml')).toEqual({
      file: 'x.yaml',
      line: 3,
      column: 7,
      severity: 'error',
      code: 'OBJECTS_MISSING',
      message: '100% wrong: a, b',
    });
  });
});
