import { describe, expect, it } from 'vitest';
import {
  compileTemplate,
  type MountFile,
  renderTemplates,
  TemplateRenderError,
  type TemplateToRender,
} from './index.js';

const SECRET = 'hunter2-VALUE';
const FILES: MountFile[] = [
  {
    path: 'db',
    contents: Buffer.from(
      JSON.stringify({ username: 'app', host: 'db.internal', port: 5432, tags: ['a', 'b'] }),
    ),
  },
  { path: 'db-password', contents: Buffer.from(SECRET) },
  { path: 'api-key', contents: Buffer.from(`  ${SECRET}\n`) },
  { path: 'conf/nested', contents: Buffer.from('deep') },
  { path: 'not-json', contents: Buffer.from(`{"password": "${SECRET}" oops`) },
  { path: 'binary', contents: Uint8Array.from([0xff, 0xfe, 0x00, 0x80]) },
  { path: 'braces', contents: Buffer.from('{{file "db-password"}}') },
  { path: 'b64', contents: Buffer.from(Buffer.from(SECRET).toString('base64')) },
];

function template(fileName: string, source: string, mode = 0o644): TemplateToRender {
  return { fileName, mode, template: compileTemplate(source) };
}

function render(source: string, files = FILES): string {
  const [file] = renderTemplates([template('out', source)], files, { maxOutputBytes: 1 << 20 });
  return Buffer.from(file!.contents).toString('utf8');
}

function renderFailure(source: string, files = FILES, maxOutputBytes = 1 << 20): TemplateRenderError {
  try {
    renderTemplates([template('conf/out.env', source)], files, { maxOutputBytes });
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateRenderError);
    expect((error as Error).message).not.toContain(SECRET);
    return error as TemplateRenderError;
  }
  throw new Error(`rendered: ${source}`);
}

describe('renderTemplates', () => {
  it('renders the connection string of §8', () => {
    expect(
      render('postgres://{{json "db" "username"}}:{{file "db-password"}}@{{json "db" "host"}}:5432/app'),
    ).toBe(`postgres://app:${SECRET}@db.internal:5432/app`);
  });

  it('renders the .env file of §8 with and without the optional file', () => {
    const source =
      'API_KEY={{trim (file "api-key")}}\n{{#if (exists "feature-flag")}}FLAG={{file "feature-flag"}}{{/if}}\n';
    expect(render(source)).toBe(`API_KEY=${SECRET}\n\n`);
    const withFlag = [...FILES, { path: 'feature-flag', contents: Buffer.from('on') }];
    expect(render(source, withFlag)).toBe(`API_KEY=${SECRET}\nFLAG=on\n`);
  });

  it('returns each file with its mode, in order, and reads nested paths', () => {
    const out = renderTemplates(
      [template('a.txt', '{{file "conf/nested"}}', 0o600), template('b/c.txt', 'x', 0o640)],
      FILES,
      { maxOutputBytes: 100 },
    );
    expect(out.map((f) => [f.path, f.mode, Buffer.from(f.contents).toString()])).toEqual([
      ['a.txt', 0o600, 'deep'],
      ['b/c.txt', 0o640, 'x'],
    ]);
  });

  it('json: a string verbatim, anything else as compact JSON', () => {
    expect(render('{{json "db" "port"}} {{json "db" "tags"}} {{json "db" "{u: username}"}}')).toBe(
      '5432 ["a","b"] {"u":"app"}',
    );
  });

  it('writes a value containing {{ as is (one pass, no re-evaluation)', () => {
    expect(render('[{{file "braces"}}]')).toBe('[{{file "db-password"}}]');
  });

  it('base64, base64decode and trim', () => {
    expect(render('{{base64 (file "db-password")}}')).toBe(Buffer.from(SECRET).toString('base64'));
    expect(render('{{base64decode (file "b64")}}')).toBe(SECRET);
    expect(render('[{{trim "  x \n"}}]')).toBe('[x]');
  });

  it('a template cannot read the output of another template', () => {
    const templates = [template('first', 'one'), template('second', '{{file "first"}}')];
    expect(() => renderTemplates(templates, FILES, { maxOutputBytes: 100 })).toThrow(
      'template second: file: file "first" is not a file of this mount',
    );
  });

  it.each([
    [
      '{{file "missing"}}',
      'TEMPLATE_FILE_NOT_FOUND',
      'template conf/out.env: file: file "missing" is not a file of this mount',
    ],
    [
      '{{json "missing" "a"}}',
      'TEMPLATE_FILE_NOT_FOUND',
      'template conf/out.env: json: file "missing" is not a file of this mount',
    ],
    [
      '{{json "not-json" "password"}}',
      'TEMPLATE_INVALID_JSON',
      'template conf/out.env: json: file "not-json" is not valid JSON',
    ],
    [
      '{{json "db" "nothing.here"}}',
      'TEMPLATE_NO_MATCH',
      'template conf/out.env: json: "nothing.here" matched nothing in file "db"',
    ],
    [
      '{{json "db" "abs(username)"}}',
      'TEMPLATE_NO_MATCH',
      'template conf/out.env: json: "abs(username)" failed on file "db"',
    ],
    [
      '{{file "binary"}}',
      'TEMPLATE_NOT_TEXT',
      'template conf/out.env: file: file "binary" is not UTF-8 text',
    ],
    [
      '{{base64decode (file "db-password")}}',
      'TEMPLATE_BAD_ARGUMENT',
      'template conf/out.env: base64decode: the text is not base64',
    ],
    ['{{trim 42}}', 'TEMPLATE_BAD_ARGUMENT', 'template conf/out.env: trim needs text, got a number'],
    [
      '{{file (exists "db")}}',
      'TEMPLATE_BAD_ARGUMENT',
      'template conf/out.env: file needs a file path, got a boolean',
    ],
  ])('%s fails the render: %s', (source, code, message) => {
    const error = renderFailure(source);
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
    expect(error.fileName).toBe('conf/out.env');
  });

  it('never quotes a path or expression that came from a value', () => {
    const files = [
      ...FILES,
      { path: 'pointer', contents: Buffer.from(SECRET) },
      { path: 'query', contents: Buffer.from('private_key_name') },
    ];
    expect(renderFailure('{{file (file "pointer")}}', files).message).toBe(
      'template conf/out.env: file: file (a path computed by the template) is not a file of this mount',
    );
    expect(renderFailure('{{json "db" (file "query")}}', files).message).toBe(
      'template conf/out.env: json: (a JMESPath expression computed by the template) matched nothing in file "db"',
    );
    expect(renderFailure('{{json "db" (file "pointer")}}', files).code).toBe('TEMPLATE_NO_MATCH');
  });

  it('a render error inside a block names the template, not the value the block holds', () => {
    const error = renderFailure('{{#with (file "db-password")}}{{file "gone"}}{{/with}}');
    expect(error.message).toBe('template conf/out.env: file: file "gone" is not a file of this mount');
  });

  it('stops at the byte limit, counting helper results as they are produced', () => {
    const big = { path: 'big', contents: Buffer.alloc(100_000, 'x') };
    const source = '{{file "big"}}'.repeat(50);
    const error = renderFailure(source, [big], 1_000_000);
    expect(error.code).toBe('TEMPLATE_OUTPUT_TOO_LARGE');
    expect(error.message).toBe(
      "template conf/out.env: rendered text exceeds the limit of 1000000 bytes for this mount's templates",
    );
    expect(render('{{file "big"}}'.repeat(5), [big])).toHaveLength(500_000);
  });

  it('counts every template of the mount against one limit', () => {
    const big = { path: 'big', contents: Buffer.alloc(600, 'x') };
    const templates = [template('one', '{{file "big"}}'), template('two', '{{file "big"}}')];
    expect(() => renderTemplates(templates, [big], { maxOutputBytes: 1000 })).toThrow(
      "template two: rendered text exceeds the limit of 1000 bytes for this mount's templates",
    );
    expect(renderTemplates(templates, [big], { maxOutputBytes: 1200 })).toHaveLength(2);
  });

  it('refuses a file name that an object of the mount already wrote (wildcard, split files)', () => {
    for (const [fileName, cause] of [
      ['db', 'its file name is also a file the objects of this mount write'],
      ['db/x', 'its directory "db" is a file the objects of this mount write'],
      ['conf', 'its file name is a directory of files the objects of this mount write'],
    ] as const) {
      expect(() => renderTemplates([template(fileName, 'x')], FILES, { maxOutputBytes: 100 })).toThrow(
        `template ${fileName}: ${cause}`,
      );
    }
  });
});
