import { echo } from './private/echo.js';
import { goQuote } from './private/go-text.js';
import { SpcError } from './spc-error.js';

// Kubernetes' rules (apimachinery validation): a pod name is a DNS-1123 subdomain, a namespace a
// DNS-1123 label, and a pod UID a UUID. kubelet only ever sends such values, so anything else is
// not from kubelet: it is refused before it reaches a log line, a cache key or an NMI header.
const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_PATTERN = new RegExp(`^${DNS1123_LABEL}$`);
const DNS1123_SUBDOMAIN_PATTERN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Longest DNS-1123 subdomain (pod name). */
export const MAX_POD_NAME_LENGTH = 253;
/** Longest DNS-1123 label (namespace). */
export const MAX_POD_NAMESPACE_LENGTH = 63;

const SUBDOMAIN_RULE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
  'and must start and end with an alphanumeric character';
const LABEL_RULE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " +
  'and must start and end with an alphanumeric character';

/** Throws `POD_NAME_INVALID` unless `name` (non-empty, trimmed) is a DNS-1123 subdomain. */
export function validatePodName(name: string): void {
  const problem =
    name.length > MAX_POD_NAME_LENGTH
      ? `must be no more than ${MAX_POD_NAME_LENGTH} characters`
      : DNS1123_SUBDOMAIN_PATTERN.test(name)
        ? undefined
        : SUBDOMAIN_RULE;
  if (problem) throw new SpcError('POD_NAME_INVALID', `invalid pod name ${shown(name)}: ${problem}`);
}

/** Throws `POD_NAMESPACE_INVALID` unless `namespace` (non-empty, trimmed) is a DNS-1123 label. */
export function validatePodNamespace(namespace: string): void {
  const problem =
    namespace.length > MAX_POD_NAMESPACE_LENGTH
      ? `must be no more than ${MAX_POD_NAMESPACE_LENGTH} characters`
      : DNS1123_LABEL_PATTERN.test(namespace)
        ? undefined
        : LABEL_RULE;
  if (problem) {
    throw new SpcError('POD_NAMESPACE_INVALID', `invalid pod namespace ${shown(namespace)}: ${problem}`);
  }
}

/**
 * Throws `POD_UID_INVALID` unless `uid` is empty (a driver without podInfoOnMount sends none; the
 * reference accepts that) or a UUID.
 */
export function validatePodUid(uid: string): void {
  if (uid !== '' && !UUID_PATTERN.test(uid)) {
    throw new SpcError('POD_UID_INVALID', `invalid pod uid ${shown(uid)}: must be a UUID`);
  }
}

/** Bounded and Go-quoted: CR, LF and other control characters appear escaped, never raw. */
function shown(value: string): string {
  return goQuote(echo(value));
}
