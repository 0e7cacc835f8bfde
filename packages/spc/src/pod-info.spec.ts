import { describe, expect, it } from 'vitest';
import { failure, plan } from '../test/request.js';

const NAME = 'csi.storage.k8s.io/pod.name';
const NAMESPACE = 'csi.storage.k8s.io/pod.namespace';
const UID = 'csi.storage.k8s.io/pod.uid';
const SUBDOMAIN_RULE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
  'and must start and end with an alphanumeric character';
const LABEL_RULE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " +
  'and must start and end with an alphanumeric character';

describe('pod name, namespace and uid are checked as Kubernetes does, before anything else', () => {
  it('accepts what kubelet sends', () => {
    const pod = plan({
      [NAME]: `web-0.a-${'b'.repeat(240)}`,
      [NAMESPACE]: 'n'.repeat(63),
      [UID]: '9D2E0C1A-5B7F-4C1E-9A53-0F6B2D0F7E11',
    }).pod;
    expect(pod.name).toHaveLength(248);
    expect(plan({ [UID]: undefined }).pod.uid).toBe('');
  });

  it.each([
    ['Web-0', `invalid pod name "Web-0": ${SUBDOMAIN_RULE}`],
    ['web_0', `invalid pod name "web_0": ${SUBDOMAIN_RULE}`],
    ['-web', `invalid pod name "-web": ${SUBDOMAIN_RULE}`],
    ['web..0', `invalid pod name "web..0": ${SUBDOMAIN_RULE}`],
    ['web\r\npodns: kube-system', `invalid pod name "web\\r\\npodns: kube-system": ${SUBDOMAIN_RULE}`],
    ['a'.repeat(254), 'invalid pod name "' + 'a'.repeat(100) + '…": must be no more than 253 characters'],
  ])('pod name %j fails POD_NAME_INVALID', (name, message) => {
    const error = failure({ [NAME]: name, keyvaultName: undefined });
    expect(error.code).toBe('POD_NAME_INVALID');
    expect(error.message).toBe(message);
  });

  it.each([
    ['kube.system', `invalid pod namespace "kube.system": ${LABEL_RULE}`],
    ['Shop', `invalid pod namespace "Shop": ${LABEL_RULE}`],
    ['shop\n', undefined],
    ['n'.repeat(64), `invalid pod namespace "${'n'.repeat(64)}": must be no more than 63 characters`],
  ])('namespace %j', (namespace, message) => {
    if (message === undefined) {
      // Surrounding white space is trimmed first (docs/spc-parameters.md §1), as the reference does.
      expect(plan({ [NAMESPACE]: namespace }).pod.namespace).toBe('shop');
      return;
    }
    const error = failure({ [NAMESPACE]: namespace, keyvaultName: undefined });
    expect(error.code).toBe('POD_NAMESPACE_INVALID');
    expect(error.message).toBe(message);
  });

  it('refuses a uid that is not a UUID', () => {
    for (const uid of ['x', '9d2e0c1a5b7f4c1e9a530f6b2d0f7e11', '9d2e0c1a-5b7f-4c1e-9a53-0f6b2d0f7e1\n1']) {
      const error = failure({ [UID]: uid, usePodIdentity: 'maybe' });
      expect(error.code).toBe('POD_UID_INVALID');
      expect(error.message).not.toMatch(/[\r\n]/);
    }
  });

  it('keeps the reference texts and order for empty values', () => {
    expect(failure({ [NAME]: '', [NAMESPACE]: 'Bad_NS' }).message).toBe('pod name is not provided');
    expect(failure({ [NAME]: 'Bad_Name', [NAMESPACE]: '' }).code).toBe('POD_NAME_INVALID');
    expect(failure({ [NAMESPACE]: ' ', [UID]: 'x' }).message).toBe('pod namespace is not provided');
  });

  it('echoes at most 100 characters of a 1 MiB pod name', () => {
    const error = failure({ [NAME]: `A${'x'.repeat(1 << 20)}` });
    expect(error.message.length).toBeLessThan(400);
  });
});
