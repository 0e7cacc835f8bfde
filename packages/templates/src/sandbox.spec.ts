import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { compileTemplate, type MountFile, renderTemplates, TemplateCompileError } from './index.js';
import { sandbox } from './private/sandbox.js';

// A template comes from whoever writes the SecretProviderClass: it must reach nothing but the
// files of its own mount (issue 19, "Security").

const FILES: MountFile[] = [{ path: 'a', contents: Buffer.from('{"k":"v"}') }];

function refused(source: string): TemplateCompileError {
  try {
    compileTemplate(source);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateCompileError);
    return error as TemplateCompileError;
  }
  throw new Error(`compiled: ${source}`);
}

function rendered(source: string): string {
  const [file] = renderTemplates(
    [{ fileName: 'out', mode: 0o644, template: compileTemplate(source) }],
    FILES,
    {
      maxOutputBytes: 10_000,
    },
  );
  return Buffer.from(file!.contents).toString();
}

describe('no environment', () => {
  it.each([
    '{{process.env.HOME}}',
    '{{env.PATH}}',
    '{{env "PATH"}}',
    '{{@root.process}}',
    '{{global.process.env}}',
    '{{#with process}}{{env}}{{/with}}',
  ])('%s does not compile', (source) => {
    expect(refused(source).code).toMatch(/TEMPLATE_UNKNOWN_(NAME|HELPER)|TEMPLATE_NOT_ALLOWED/);
  });

  it('no rendered text contains an environment variable the template did not put there', () => {
    process.env.TEMPLATES_SPEC_CANARY = 'canary-6b1f';
    try {
      for (const source of [
        '{{file "a"}}',
        '{{#each (file "a")}}{{@key}}={{this}}{{/each}}',
        '{{json "a" "@"}}',
      ]) {
        expect(rendered(source)).not.toContain('canary-6b1f');
      }
    } finally {
      delete process.env.TEMPLATES_SPEC_CANARY;
    }
  });
});

describe('no filesystem', () => {
  it.each(['/etc/passwd', '../../../../etc/passwd', '/proc/self/environ', 'a/../a', './a'])(
    'file "%s" reads only the mount\'s own files',
    (path) => {
      const source = `{{file "${path}"}}`;
      expect(() => rendered(source)).toThrow(
        `file: file ${JSON.stringify(path)} is not a file of this mount`,
      );
      expect(rendered(`{{exists "${path}"}}`)).toBe('false');
    },
  );
});

describe('no prototype chain', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__defineGetter__'])(
    'a file named %s exists only when the mount returns it',
    (name) => {
      expect(rendered(`{{exists "${name}"}}`)).toBe('false');
      expect(() => rendered(`{{file "${name}"}}`)).toThrow('is not a file of this mount');
      const own = [{ path: name, contents: Buffer.from('own') }];
      const [file] = renderTemplates(
        [{ fileName: 'out', mode: 0o644, template: compileTemplate(`{{file "${name}"}}`) }],
        own,
        { maxOutputBytes: 100 },
      );
      expect(Buffer.from(file!.contents).toString()).toBe('own');
    },
  );

  it.each([
    '{{constructor}}',
    '{{__proto__}}',
    '{{this.constructor.constructor}}',
    '{{#with (file "a")}}{{constructor.constructor "return process"}}{{/with}}',
    '{{#with (file "a")}}{{this.__proto__}}{{/with}}',
    '{{#with (file "a") as |s|}}{{s.constructor}}{{/with}}',
    '{{#each (file "a")}}{{this.length}}{{/each}}',
  ])('%s does not compile', (source) => {
    refused(source);
  });

  it('refuses the published Handlebars RCE payload (constructor via split/sub/apply)', () => {
    const payload = [
      '{{#with "s" as |string|}}',
      '  {{#with "e"}}',
      '    {{#with split as |conslist|}}',
      '      {{this.pop}}',
      '      {{this.push (lookup string.sub "constructor")}}',
      '      {{this.pop}}',
      '      {{#with string.split as |codelist|}}',
      '        {{this.pop}}',
      '        {{this.push "return process.env;"}}',
      '        {{this.pop}}',
      '        {{#each conslist}}',
      '          {{#with (string.sub.apply 0 codelist)}}{{this}}{{/with}}',
      '        {{/each}}',
      '      {{/with}}',
      '    {{/with}}',
      '  {{/with}}',
      '{{/with}}',
    ].join('\n');
    expect(refused(payload).message).toMatch(/^unknown name "split"/);
  });

  it.each([
    'constructor',
    'toString',
    'hasOwnProperty',
    'a.constructor.name',
    'arr[0].constructor',
    'arr.length',
  ])('json "%s" finds no property of the prototype chain', (query) => {
    const files = [{ path: 'p', contents: Buffer.from('{"a":"b","arr":[{"x":1}]}') }];
    expect(() =>
      renderTemplates(
        [{ fileName: 'out', mode: 0o644, template: compileTemplate(`{{json "p" "${query}"}}`) }],
        files,
        { maxOutputBytes: 100 },
      ),
    ).toThrow(`template out: json: ${JSON.stringify(query)} matched nothing in file "p"`);
  });

  it('json evaluates JMESPath on plain data: __proto__ keys are data, not prototypes', () => {
    const files = [{ path: 'p', contents: Buffer.from('{"__proto__":{"polluted":"yes"},"a":"b"}') }];
    const [file] = renderTemplates(
      [{ fileName: 'out', mode: 0o644, template: compileTemplate('{{json "p" "__proto__.polluted"}}') }],
      files,
      { maxOutputBytes: 100 },
    );
    expect(Buffer.from(file!.contents).toString()).toBe('yes');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('no helper registration from input', () => {
  it.each([
    '{{registerHelper "file" "x"}}',
    '{{#*inline "file"}}x{{/inline}}',
    '{{> file}}',
    '{{helperMissing "x"}}',
    '{{blockHelperMissing "x"}}',
    '{{#blockHelperMissing "x"}}y{{/blockHelperMissing}}',
    '{{log "a secret" level="error"}}',
    '{{lookup (file "a") "length"}}',
  ])('%s does not compile', (source) => {
    refused(source);
  });

  it('compiling and rendering leave the helpers of Handlebars and of the sandbox unchanged', () => {
    const before = Object.keys(Handlebars.helpers).sort();
    const sandboxBefore = Object.keys(sandbox().helpers).sort();
    rendered('{{file "a"}}{{#if (exists "a")}}{{base64 (trim (file "a"))}}{{/if}}');
    expect(Object.keys(Handlebars.helpers).sort()).toEqual(before);
    expect(Object.keys(sandbox().helpers).sort()).toEqual(sandboxBefore);
    expect(sandboxBefore).toEqual(['blockHelperMissing', 'each', 'helperMissing', 'if', 'unless', 'with']);
    expect(Object.keys(sandbox().partials)).toEqual([]);
  });
});
