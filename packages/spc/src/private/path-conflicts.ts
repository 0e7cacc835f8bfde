import type { AnalyzedObject } from './analyzed-object.js';
import { echo } from './echo.js';
import { equalFold, goQuote } from './go-text.js';
import { type Report, wrapObject } from './object-issue.js';

// Two objects must not write the same file, nor a file where another needs a directory.
// History objects (N > 1) own the directory `<fileName>` with files `0..N-1`. An object may claim
// several paths (jmesPath files, metadata sidecar: docs/extensions.md §3, §5). With split files
// (`--write-cert-and-key-in-separate-files`) a `secret` object that is not `pfx` may also write
// `<fileName>.crt` and `<fileName>.key` (`<fileName>/<i>.crt`, `.key` in history mode): whether it
// does depends on Key Vault (a certificate-backed secret), so those names are claimed up front.
export function checkPathConflicts(
  items: readonly AnalyzedObject[],
  report: Report,
  splitCertAndKey: boolean,
): void {
  interface Claim {
    readonly index: number;
    readonly history: number;
    /** The object may write `.crt`/`.key` files beside its own (or beside each version). */
    readonly split: boolean;
    /** Set on the claim of a split file itself. */
    readonly part?: '.crt' | '.key';
  }
  const claims = new Map<string, Claim>();
  const below = new Map<string, { index: number; path: string; history: number }[]>();
  const isDirectory = (claim: Claim): boolean => claim.history > 1;
  const indexUnder = (claim: Claim, rest: string): string | undefined => {
    const first = rest.split('/', 1)[0]!;
    const match = /^(0|[1-9][0-9]*)(\.crt|\.key)?$/.exec(first);
    if (!match || Number(match[1]) >= claim.history) return undefined;
    return match[2] === undefined || claim.split ? first : undefined;
  };
  const entries = items.flatMap((item) => {
    const split =
      splitCertAndKey && item.fields.objectType === 'secret' && !equalFold(item.fields.objectFormat, 'pfx');
    return item.claims.flatMap((pathClaim) => {
      const isMain = pathClaim.path === item.fileName;
      const main = {
        item,
        pathClaim,
        claim: { index: item.index, history: pathClaim.history, split: split && isMain } as Claim,
      };
      if (!split || !isMain || pathClaim.history > 1) return [main];
      const splitFile = (part: '.crt' | '.key') => ({
        item,
        pathClaim: { ...pathClaim, path: `${pathClaim.path}${part}`, history: 0 },
        claim: { index: item.index, history: 0, split: false, part } as Claim,
      });
      return [splitFile('.crt'), splitFile('.key'), main];
    });
  });

  // Objects with other errors take part too, so `lint` reports every conflict; a mount has
  // already failed on those errors (step 14 comes first).
  for (const { item, pathClaim, claim: mine } of entries) {
    const path = pathClaim.path;
    const object = { index: item.index, ...item.fields };
    const conflict = (code: 'DUPLICATE_FILE_PATH' | 'FILE_PATH_CONFLICT', cause: string): void => {
      report({
        severity: 'error',
        code,
        message: wrapObject(item.fields, cause),
        offset: pathClaim.offset,
        objectIndex: object.index,
      });
    };
    const duplicate = (shown: string, other: Claim | number): void => {
      const otherClaim = typeof other === 'number' ? undefined : other;
      const otherIndex = typeof other === 'number' ? other : other.index;
      const splitNote =
        mine.part !== undefined || otherClaim?.part !== undefined || /\/[0-9]+\.(crt|key)$/.test(shown)
          ? ' (a split certificate or key file: --write-cert-and-key-in-separate-files is on)'
          : '';
      conflict(
        'DUPLICATE_FILE_PATH',
        `duplicate file path ${quote(shown)} (objects ${otherIndex} and ${object.index})${splitNote}`,
      );
    };
    const fileIsDirectory = (file: string, fileOwner: number, deeper: string, deeperOwner: number): void =>
      conflict(
        'FILE_PATH_CONFLICT',
        `file path ${quote(file)} (object ${fileOwner}) is also a directory in ${quote(deeper)} (object ${deeperOwner})`,
      );

    const found = ((): boolean => {
      const same = claims.get(path);
      if (same) {
        if (isDirectory(same) === isDirectory(mine)) duplicate(path, same);
        else if (isDirectory(same)) fileIsDirectory(path, object.index, `${path}/0`, same.index);
        else fileIsDirectory(path, same.index, `${path}/0`, object.index);
        return true;
      }
      // An earlier claim at an ancestor of this path.
      for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) {
        const ancestor = path.slice(0, at);
        const claim = claims.get(ancestor);
        if (!claim) continue;
        const rest = path.slice(at + 1);
        if (!isDirectory(claim)) {
          fileIsDirectory(ancestor, claim.index, path, object.index);
          return true;
        }
        const version = indexUnder(claim, rest);
        if (version === undefined) continue;
        if (rest === version && !isDirectory(mine)) duplicate(path, claim.index);
        else fileIsDirectory(`${ancestor}/${version}`, claim.index, path, object.index);
        return true;
      }
      // Earlier claims below this path.
      for (const other of below.get(path) ?? []) {
        if (!isDirectory(mine)) {
          fileIsDirectory(path, object.index, other.path, other.index);
          return true;
        }
        const rest = other.path.slice(path.length + 1);
        const version = indexUnder(mine, rest);
        if (version === undefined) continue;
        if (rest === version && other.history <= 1) duplicate(other.path, other.index);
        else fileIsDirectory(`${path}/${version}`, object.index, other.path, other.index);
        return true;
      }
      return false;
    })();
    if (found) continue;
    claims.set(path, mine);
    for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) {
      const ancestor = path.slice(0, at);
      const entry = { index: object.index, path, history: pathClaim.history };
      const list = below.get(ancestor);
      if (list) list.push(entry);
      else below.set(ancestor, [entry]);
    }
  }
}

function quote(path: string): string {
  return goQuote(echo(path));
}
