import { describe, expect, it } from 'vitest';
import { type ListedVersion, selectVersions, VersionNotFoundError } from './select-versions.js';

const at = (seconds: number) => new Date(seconds * 1000);
const listed: ListedVersion[] = [
  { version: 'c', enabled: true, createdOn: at(300) },
  { version: 'a', enabled: true, createdOn: at(100) },
  { version: 'd', enabled: false, createdOn: at(400) },
  { version: 'e', enabled: undefined, createdOn: at(500) },
  { version: 'b2', enabled: true, createdOn: at(200) },
  { version: 'b1', enabled: true, createdOn: at(200) },
  { version: 'z', enabled: true, createdOn: undefined },
];

describe('selectVersions', () => {
  it('keeps enabled versions, newest first, ties by version id, missing created = epoch', () => {
    expect(selectVersions(listed, '', 10)).toEqual(['c', 'b1', 'b2', 'a', 'z']);
  });

  it('takes exactly N, starting at the newest for "" and latest', () => {
    expect(selectVersions(listed, '', 2)).toEqual(['c', 'b1']);
    expect(selectVersions(listed, 'latest', 3)).toEqual(['c', 'b1', 'b2']);
  });

  it('starts at objectVersion', () => {
    expect(selectVersions(listed, 'b2', 2)).toEqual(['b2', 'a']);
  });

  it('fails for a start version that is disabled, attribute-less or unknown', () => {
    for (const v of ['d', 'e', 'nope']) {
      expect(() => selectVersions(listed, v, 2)).toThrow(
        new VersionNotFoundError(`objectVersion ${v} not found among the enabled versions`),
      );
    }
  });

  it('returns nothing for an empty listing', () => {
    expect(selectVersions([], '', 3)).toEqual([]);
  });
});
