import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DAEMON_FLAGS } from '../src/config/daemon-flags.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every daemon flag with its real default, and no flag that does not exist', () => {
    const section = readme.slice(
      readme.indexOf('## Flags (serve)'),
      readme.indexOf('Why a hand-written parser'),
    );
    const rows = [
      ...section.matchAll(/^\|\s*`-{1,2}([a-z_-]+)`(?:\s*\/\s*`--v`)?\s*\|\s*`([^`]*)`\s*\|/gm),
    ].map(([, name, text]) => [name, text === '""' ? '' : text]);
    const documented = Object.fromEntries(rows);
    const real = Object.fromEntries(
      Object.entries(DAEMON_FLAGS)
        .filter(([, spec]) => !spec.hidden)
        .map(([name, spec]) => [name, spec.defaultText]),
    );
    expect(documented).toEqual(real);
  });
});
