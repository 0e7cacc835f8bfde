import { objectsOfOutcome, parseObjectsOutcome } from '@keyvault-csi/spc';
import { describe, expect, it } from 'vitest';
import { TemplatesCache } from './templates-cache.js';

const OBJECTS = 'array:\n  - |\n    objectName: db\n    objectType: secret\n';
const OTHER_OBJECTS = 'array:\n  - |\n    objectName: api\n    objectType: secret\n';
const TEMPLATES = 'array:\n  - |\n    fileName: api\n    template: "{{file \\"db\\"}}"\n';

function objectsOf(text: string) {
  return objectsOfOutcome(parseObjectsOutcome(text, 0o644));
}

describe('TemplatesCache', () => {
  it('parses and compiles a class once; later mounts get the same compiled templates', () => {
    const cache = new TemplatesCache({ maxObjects: 1000 });
    const first = cache.outcome(TEMPLATES, OBJECTS, 0o644, objectsOf(OBJECTS));
    const second = cache.outcome(TEMPLATES, OBJECTS, 0o644, objectsOf(OBJECTS));
    expect(first.ok && second.ok).toBe(true);
    expect(second).toBe(first);
    expect(cache.stats).toEqual({ hits: 1, misses: 1, entries: 1 });
  });

  it('keys on the objects too: the same templates collide with one class and not another', () => {
    const cache = new TemplatesCache({ maxObjects: 1000 });
    expect(cache.outcome(TEMPLATES, OBJECTS, 0o644, objectsOf(OBJECTS))).toMatchObject({ ok: true });
    expect(cache.outcome(TEMPLATES, OTHER_OBJECTS, 0o644, objectsOf(OTHER_OBJECTS))).toEqual({
      ok: false,
      code: 'DUPLICATE_FILE_PATH',
      message: 'template api: duplicate file path "api" (object 0 and template 0)',
    });
    // The texts are not simply concatenated: moving text across the boundary is another key.
    const shifted = cache.outcome(TEMPLATES.slice(1), `${OBJECTS}${TEMPLATES[0]}`, 0o644, []);
    // (`rray:` is a map without `array`: no templates, which neither earlier outcome was.)
    expect(shifted).toEqual({ ok: true, templates: [] });
    expect(cache.stats.misses).toBe(3);
  });

  it('keeps failures: a hostile text sent again costs a hash, not a parse', () => {
    const cache = new TemplatesCache({ maxObjects: 1000 });
    const bad = 'array:\n  - |\n    fileName: x\n    template: "{{constructor}}"\n';
    const first = cache.outcome(bad, OBJECTS, 0o644, objectsOf(OBJECTS));
    expect(first).toMatchObject({ ok: false, code: 'INVALID_TEMPLATE' });
    expect(cache.outcome(bad, OBJECTS, 0o644, objectsOf(OBJECTS))).toBe(first);
    expect(cache.stats).toEqual({ hits: 1, misses: 1, entries: 1 });
  });

  it('the default file mode is part of the key (it is the mode of templates without filePermission)', () => {
    const cache = new TemplatesCache({ maxObjects: 1000 });
    const a = cache.outcome(TEMPLATES, OBJECTS, 0o644, objectsOf(OBJECTS));
    const b = cache.outcome(TEMPLATES, OBJECTS, 0o600, objectsOf(OBJECTS));
    expect(a.ok && a.templates[0]?.fileMode).toBe(0o644);
    expect(b.ok && b.templates[0]?.fileMode).toBe(0o600);
  });

  it('with split files on, a template may not take an object .crt/.key name', () => {
    const split = new TemplatesCache({ maxObjects: 1000, writeCertAndKeyInSeparateFiles: true });
    const templates = 'array:\n  - |\n    fileName: db.key\n    template: x\n';
    expect(split.outcome(templates, OBJECTS, 0o644, objectsOf(OBJECTS))).toMatchObject({
      ok: false,
      code: 'DUPLICATE_FILE_PATH',
    });
    const plain = new TemplatesCache({ maxObjects: 1000 });
    expect(plain.outcome(templates, OBJECTS, 0o644, objectsOf(OBJECTS))).toMatchObject({ ok: true });
  });
});
