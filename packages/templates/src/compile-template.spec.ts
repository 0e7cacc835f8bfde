import { describe, expect, it } from 'vitest';
import { compileTemplate, MAX_TEMPLATE_NESTING, TemplateCompileError } from './index.js';

function compileFailure(source: string): TemplateCompileError {
  try {
    compileTemplate(source);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateCompileError);
    return error as TemplateCompileError;
  }
  throw new Error(`compiled: ${source}`);
}

describe('compileTemplate', () => {
  it('compiles the examples of §8 and lists their literal paths with positions', () => {
    const source = 'postgres://{{json "db" "username"}}:{{file "db-password"}}@{{json "db" "host"}}:5432/app';
    const url = compileTemplate(source);
    expect(url.literalPaths.map((p) => [p.helper, p.path, p.position.line, p.position.column])).toEqual([
      ['json', 'db', 1, source.indexOf('"db"') + 1],
      ['file', 'db-password', 1, source.indexOf('"db-password"') + 1],
      ['json', 'db', 1, source.lastIndexOf('"db"') + 1],
    ]);
    const env = compileTemplate(
      'API_KEY={{trim (file "api-key")}}\n{{#if (exists "feature-flag")}}FLAG={{file "feature-flag"}}{{/if}}\n',
    );
    expect(
      env.literalPaths.map((p) => `${p.helper}:${p.path}@${p.position.line}:${p.position.column}`),
    ).toEqual(['file:api-key@1:22', 'exists:feature-flag@2:15', 'file:feature-flag@2:44']);
    expect(env.literalPaths[1]!.position.offset).toBe(env.source.indexOf('"feature-flag"'));
    expect(env.literalPaths.map((p) => p.guarded)).toEqual([false, false, true]);
  });

  it('marks paths read only where an exists test proved them present', () => {
    const t = compileTemplate(
      '{{#unless (exists "a")}}{{file "a"}}{{else}}{{file "a"}}{{file "b"}}{{/unless}}{{#if (exists "b")}}{{#with (file "c")}}{{file "b"}}{{/with}}{{else}}{{file "b"}}{{/if}}',
    );
    expect(t.literalPaths.map((p) => `${p.path}:${p.guarded}`)).toEqual([
      'a:false',
      'a:false',
      'a:true',
      'b:false',
      'b:false',
      'c:false',
      'b:true',
      'b:false',
    ]);
  });

  it('accepts the four built-in blocks, else chains, block params, this and @index', () => {
    for (const source of [
      '{{#unless (exists "a")}}none{{else}}{{file "a"}}{{/unless}}',
      '{{#if (exists "a")}}a{{else if (exists "b")}}b{{else}}c{{/if}}',
      '{{#with (trim (file "a"))}}[{{this}}]{{/with}}',
      '{{#with (file "a") as |value|}}{{base64 value}}{{/with}}',
      '{{#each (file "a")}}{{@index}}{{@key}}{{/each}}',
      '{{!-- a comment with {{file "x"}} --}}text {{{file "a"}}}',
      '{{json "a" "items[0].name"}} {{base64decode (file "b")}}',
    ]) {
      expect(() => compileTemplate(source), source).not.toThrow();
    }
  });

  it.each([
    ['{{password}}', 'TEMPLATE_UNKNOWN_NAME', 'unknown name "password"'],
    ['{{#with (file "a")}}{{length}}{{/with}}', 'TEMPLATE_UNKNOWN_NAME', 'unknown name "length"'],
    ['{{this.constructor}}', 'TEMPLATE_UNKNOWN_NAME', 'unknown name "this.constructor"'],
    ['{{@root}}', 'TEMPLATE_UNKNOWN_NAME', 'unknown name "@root"'],
    ['{{this}}', 'TEMPLATE_UNKNOWN_NAME', '"this" means nothing outside {{#with}} or {{#each}}'],
    ['{{#if (exists "a")}}{{.}}{{/if}}', 'TEMPLATE_UNKNOWN_NAME', '"." means nothing outside'],
    ['{{"db"}}', 'TEMPLATE_UNKNOWN_NAME', 'a literal cannot be called'],
    ['{{env "HOME"}}', 'TEMPLATE_UNKNOWN_HELPER', 'unknown helper "env"'],
    ['{{log "x"}}', 'TEMPLATE_UNKNOWN_HELPER', 'unknown helper "log"'],
    ['{{lookup this "x"}}', 'TEMPLATE_UNKNOWN_HELPER', 'unknown helper "lookup"'],
    ['{{#custom}}x{{/custom}}', 'TEMPLATE_UNKNOWN_HELPER', 'unknown helper "custom"'],
    ['{{{{raw}}}}x{{{{/raw}}}}', 'TEMPLATE_UNKNOWN_HELPER', 'unknown helper "raw"'],
    ['{{> partial}}', 'TEMPLATE_NOT_ALLOWED', 'partials are not supported'],
    ['{{#> layout}}x{{/layout}}', 'TEMPLATE_NOT_ALLOWED', 'partials are not supported'],
    ['{{#*inline "p"}}x{{/inline}}', 'TEMPLATE_NOT_ALLOWED', 'decorators are not supported'],
    ['{{file "a" encoding="hex"}}', 'TEMPLATE_NOT_ALLOWED', 'hash arguments'],
    ['{{#with (file "a")}}{{../x}}{{/with}}', 'TEMPLATE_NOT_ALLOWED', 'parent references'],
    ['{{file}}', 'TEMPLATE_ARGUMENTS', 'file takes 1 argument, got 0'],
    ['{{json "a"}}', 'TEMPLATE_ARGUMENTS', 'json takes 2 arguments, got 1'],
    ['{{trim "a" "b"}}', 'TEMPLATE_ARGUMENTS', 'trim takes 1 argument, got 2'],
    ['{{#if}}x{{/if}}', 'TEMPLATE_ARGUMENTS', '#if takes 1 argument, got 0'],
    ['{{#file "a"}}x{{/file}}', 'TEMPLATE_NOT_ALLOWED', 'file is not a block helper'],
    ['{{with (file "a")}}', 'TEMPLATE_NOT_ALLOWED', 'with is a block helper'],
    ['{{json "a" "a..b"}}', 'TEMPLATE_JMES_PATH', 'json: invalid JMESPath expression "a..b"'],
    ['{{file "a"', 'TEMPLATE_SYNTAX', 'syntax error on line 1'],
    ['{{#if (exists "a")}}x{{/with}}', 'TEMPLATE_SYNTAX', "if doesn't match with"],
  ])('refuses %s (%s)', (source, code, text) => {
    const error = compileFailure(source);
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
  });

  it('names the line and column of the problem', () => {
    const error = compileFailure('line one\nA={{file "a"}} B={{secret}}\n');
    expect(error.message).toBe(
      'unknown name "secret": a template has no variables; read files with {{file "<path>"}} (line 2, column 20)',
    );
    expect(error.position).toEqual({ line: 2, column: 20, offset: 28 });
  });

  it('refuses nesting past the limit before Handlebars recurses into it', () => {
    const deep = 100_000;
    const blocks = `${'{{#if (exists "a")}}'.repeat(deep)}x${'{{/if}}'.repeat(deep)}`;
    expect(compileFailure(blocks).message).toContain(`over the limit of ${MAX_TEMPLATE_NESTING}`);
    const parens = `{{trim ${'(trim '.repeat(deep)}"x"${')'.repeat(deep)}}}`;
    expect(compileFailure(parens).code).toBe('TEMPLATE_NOT_ALLOWED');
    const chain = `{{#if (exists "a")}}${'{{else if (exists "b")}}'.repeat(deep)}{{/if}}`;
    expect(compileFailure(chain).code).toBe('TEMPLATE_NOT_ALLOWED');
    const ok = `${'{{#if true}}'.repeat(MAX_TEMPLATE_NESTING)}x${'{{/if}}'.repeat(MAX_TEMPLATE_NESTING)}`;
    expect(() => compileTemplate(ok)).not.toThrow();
  });

  it('does not count parentheses inside quoted arguments as nesting', () => {
    expect(() => compileTemplate(`{{file "${'('.repeat(500)}"}}`)).not.toThrow();
  });
});
