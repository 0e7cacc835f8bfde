import { describe, expect, it } from 'vitest';
import { TemplateExecutionError, TemplateSyntaxError } from './errors.js';
import { renderTemplateText } from './render-chart.js';

describe('renderTemplateText (Go template semantics the chart relies on)', () => {
  it('trims whitespace at {{- and -}}, and keeps it otherwise', () => {
    expect(renderTemplateText('a  {{- "b" -}}  \n c', {})).toBe('abc');
    expect(renderTemplateText('a {{ "b" }} c', {})).toBe('a b c');
    expect(renderTemplateText('x\n{{- /* a comment */}}\ny', {})).toBe('x\ny');
  });

  it('treats false, 0, "", empty lists and maps and missing keys as false', () => {
    const t = '{{ if .v }}yes{{ else }}no{{ end }}';
    for (const v of [false, 0, '', [], {}, undefined]) expect(renderTemplateText(t, { v })).toBe('no');
    for (const v of [true, 1, 'x', [0], { a: 1 }]) expect(renderTemplateText(t, { v })).toBe('yes');
    expect(renderTemplateText('{{ if .a }}a{{ else if .b }}b{{ else }}c{{ end }}', { b: 1 })).toBe('b');
  });

  it('ranges over maps in key order and over lists, with variables', () => {
    expect(
      renderTemplateText('{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1 } }),
    ).toBe('a=1;b=2;');
    expect(renderTemplateText('{{ range .l }}[{{ . }}]{{ end }}', { l: ['x', 'y'] })).toBe('[x][y]');
    expect(renderTemplateText('{{ with .m }}{{ .a }}{{ end }}', { m: { a: 'in' } })).toBe('in');
  });

  it('includes named templates, pipes into the last argument and indents YAML', () => {
    const source =
      '{{ define "n" }}{{ .x | default "d" | trunc 3 }}{{ end }}k:{{ include "n" . | nindent 2 }}';
    expect(renderTemplateText(source, { x: 'abcdef' })).toBe('k:\n  abc');
    expect(renderTemplateText(source, { x: '' })).toBe('k:\n  d');
    expect(renderTemplateText('{{ toYaml .v | indent 2 }}', { v: { b: [1], a: 'x' } })).toBe(
      '  a: x\n  b:\n  - 1',
    );
    expect(renderTemplateText('{{ printf "%s-%s" .a .b | trimSuffix "-" }}', { a: 'r', b: '' })).toBe('r');
    expect(renderTemplateText('{{ contains "name" .r }}', { r: 'my-name-1' })).toBe('true');
    expect(renderTemplateText('{{ .v | quote }}', { v: 'a"b' })).toBe('"a\\"b"');
  });

  it('fails as helm does: fail, a field of nil, unknown functions and unclosed blocks', () => {
    expect(() => renderTemplateText('{{ fail "no windows" }}', {})).toThrow(
      new TemplateExecutionError('execution error at (inline.tpl:1): no windows'),
    );
    expect(() => renderTemplateText('{{ .a.b }}', {})).toThrow(/nil pointer evaluating interface \{\}\.a\.b/);
    expect(() => renderTemplateText('{{ lookup "v1" }}', {})).toThrow(/function "lookup" not defined/);
    expect(() => renderTemplateText('{{ if .a }}x', {})).toThrow(TemplateSyntaxError);
    expect(() => renderTemplateText('{{ .m }}', { m: { a: 1 } })).toThrow(/use toYaml/);
  });

  it('evaluates and/or lazily, so a guarded call is not made', () => {
    const has = () => {
      throw new Error('must not be called');
    };
    expect(renderTemplateText('{{ and .off (.has "x") }}', { off: false, has })).toBe('false');
  });
});
