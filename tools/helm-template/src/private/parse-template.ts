import { TemplateSyntaxError } from '../errors.js';

/**
 * A parser for the part of Go's text/template language that Helm charts use: text with `{{ }}`
 * actions (and the `{{-`/`-}}` trim markers), comments, `if`/`else if`/`else`, `with`, `range`,
 * `define`, `template`, variables and pipelines. Anything else is a syntax error naming the file
 * and line, so a chart feature this renderer does not know fails the test instead of rendering
 * something helm would not.
 */

export type Operand =
  | { readonly kind: 'field'; readonly base: 'dot' | string; readonly path: readonly string[] }
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'function'; readonly name: string }
  | { readonly kind: 'pipeline'; readonly pipeline: Pipeline; readonly path: readonly string[] };

export interface Command {
  readonly operands: readonly Operand[];
}

export interface Pipeline {
  /** `$a := ...` (declare) or `$a = ...` (assign); for range, up to two names. */
  readonly variables: readonly string[];
  readonly assign: 'declare' | 'assign' | undefined;
  readonly commands: readonly Command[];
}

export type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'output'; readonly pipeline: Pipeline; readonly line: number }
  | {
      readonly kind: 'if';
      readonly branches: readonly { readonly pipeline: Pipeline; readonly body: readonly Node[] }[];
      readonly otherwise: readonly Node[];
      readonly line: number;
    }
  | {
      readonly kind: 'with' | 'range';
      readonly pipeline: Pipeline;
      readonly body: readonly Node[];
      readonly otherwise: readonly Node[];
      readonly line: number;
    }
  | {
      readonly kind: 'template';
      readonly name: string;
      readonly pipeline: Pipeline | undefined;
      readonly line: number;
    };

export interface ParsedTemplate {
  readonly nodes: readonly Node[];
  readonly defines: ReadonlyMap<string, readonly Node[]>;
}

type Item =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'action'; readonly source: string; readonly line: number };

/** Splits `source` into text and action items, applying the trim markers. */
function scan(source: string, file: string): Item[] {
  const items: Item[] = [];
  let position = 0;
  let trimNextText = false;
  while (position < source.length) {
    const open = source.indexOf('{{', position);
    let text = source.slice(position, open === -1 ? source.length : open);
    if (trimNextText) text = text.replace(/^\s+/, '');
    trimNextText = false;
    if (open === -1) {
      if (text) items.push({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    if (/^-\s/.test(source.slice(start, start + 2))) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) items.push({ kind: 'text', text });
    const close = findClose(source, start, file);
    let end = close;
    if (/\s-$/.test(source.slice(close - 2, close))) {
      end = close - 1;
      trimNextText = true;
    }
    const line = source.slice(0, open).split('\n').length;
    items.push({ kind: 'action', source: source.slice(start, end).trim(), line });
    position = close + 2;
  }
  return items;
}

/** Index of the `}}` closing the action that starts at `from`, skipping quoted strings and comments. */
function findClose(source: string, from: number, file: string): number {
  let i = from;
  while (i < source.length) {
    const c = source[i];
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end === -1) break;
      i = end + 2;
    } else if (c === '"' || c === '`') {
      i += 1;
      while (i < source.length && source[i] !== c) i += c === '"' && source[i] === '\\' ? 2 : 1;
      i += 1;
    } else if (c === '}' && source[i + 1] === '}') {
      return i;
    } else {
      i += 1;
    }
  }
  throw new TemplateSyntaxError(`${file}: unclosed action`);
}

type Token =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'word'; readonly value: string }
  | { readonly kind: 'field'; readonly base: 'dot' | string; readonly path: string[] }
  | { readonly kind: 'punct'; readonly value: ':=' | '=' | '|' | '(' | ')' | ',' };

function tokenize(action: string, where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fieldPath = (): string[] => {
    const path: string[] = [];
    while (action[i] === '.' && /[A-Za-z_]/.test(action[i + 1] ?? '')) {
      const match = /^\.([A-Za-z_][\w]*)/.exec(action.slice(i))!;
      path.push(match[1]!);
      i += match[0].length;
    }
    return path;
  };
  while (i < action.length) {
    const c = action[i]!;
    const rest = action.slice(i);
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '"') {
      const match = /^"(?:[^"\\]|\\.)*"/.exec(rest);
      if (!match) throw new TemplateSyntaxError(`${where}: unterminated string`);
      tokens.push({ kind: 'string', value: JSON.parse(match[0]) as string });
      i += match[0].length;
    } else if (c === '`') {
      const end = action.indexOf('`', i + 1);
      if (end === -1) throw new TemplateSyntaxError(`${where}: unterminated raw string`);
      tokens.push({ kind: 'string', value: action.slice(i + 1, end) });
      i = end + 1;
    } else if (/^-?\d/.test(rest)) {
      const match = /^-?\d+(\.\d+)?/.exec(rest)!;
      tokens.push({ kind: 'number', value: Number(match[0]) });
      i += match[0].length;
    } else if (rest.startsWith(':=')) {
      tokens.push({ kind: 'punct', value: ':=' });
      i += 2;
    } else if ('=|(),'.includes(c)) {
      tokens.push({ kind: 'punct', value: c as '=' | '|' | '(' | ')' | ',' });
      i += 1;
    } else if (c === '$') {
      const match = /^\$[\w]*/.exec(rest)!;
      i += match[0].length;
      tokens.push({ kind: 'field', base: match[0], path: fieldPath() });
    } else if (c === '.') {
      const path = fieldPath();
      if (path.length === 0) i += 1;
      tokens.push({ kind: 'field', base: 'dot', path });
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][\w]*/.exec(rest)!;
      tokens.push({ kind: 'word', value: match[0] });
      i += match[0].length;
    } else {
      throw new TemplateSyntaxError(`${where}: unexpected character ${JSON.stringify(c)}`);
    }
  }
  return tokens;
}

class PipelineParser {
  #i = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly where: string,
  ) {}

  parse(allowTwoVariables = false): Pipeline {
    const pipeline = this.#pipeline(allowTwoVariables);
    if (this.#i !== this.tokens.length)
      throw new TemplateSyntaxError(`${this.where}: unexpected tokens after the pipeline`);
    return pipeline;
  }

  #pipeline(allowTwoVariables: boolean): Pipeline {
    const variables: string[] = [];
    let assign: Pipeline['assign'];
    const declaration = this.#declaration(allowTwoVariables);
    if (declaration) {
      variables.push(...declaration.variables);
      assign = declaration.assign;
    }
    const commands: Command[] = [this.#command()];
    while (this.#peek()?.kind === 'punct' && (this.#peek() as { value: string }).value === '|') {
      this.#i += 1;
      commands.push(this.#command());
    }
    return { variables, assign, commands };
  }

  #declaration(allowTwo: boolean): { variables: string[]; assign: 'declare' | 'assign' } | undefined {
    const names: string[] = [];
    let j = this.#i;
    for (;;) {
      const token = this.tokens[j];
      if (token?.kind !== 'field' || token.base === 'dot' || token.path.length > 0) return undefined;
      names.push(token.base);
      const next = this.tokens[j + 1];
      if (next?.kind === 'punct' && next.value === ',' && allowTwo && names.length === 1) {
        j += 2;
        continue;
      }
      if (next?.kind === 'punct' && (next.value === ':=' || next.value === '=')) {
        this.#i = j + 2;
        return { variables: names, assign: next.value === ':=' ? 'declare' : 'assign' };
      }
      return undefined;
    }
  }

  #command(): Command {
    const operands: Operand[] = [];
    for (;;) {
      const token = this.#peek();
      if (!token || (token.kind === 'punct' && (token.value === '|' || token.value === ')'))) break;
      operands.push(this.#operand());
    }
    if (operands.length === 0) throw new TemplateSyntaxError(`${this.where}: empty command`);
    return { operands };
  }

  #operand(): Operand {
    const token = this.tokens[this.#i++]!;
    switch (token.kind) {
      case 'string':
      case 'number':
        return { kind: 'literal', value: token.value };
      case 'field':
        return { kind: 'field', base: token.base, path: token.path };
      case 'word':
        if (token.value === 'true' || token.value === 'false')
          return { kind: 'literal', value: token.value === 'true' };
        if (token.value === 'nil') return { kind: 'literal', value: null };
        return { kind: 'function', name: token.value };
      case 'punct': {
        if (token.value !== '(') throw new TemplateSyntaxError(`${this.where}: unexpected ${token.value}`);
        const pipeline = this.#pipeline(false);
        const close = this.tokens[this.#i++];
        if (close?.kind !== 'punct' || close.value !== ')')
          throw new TemplateSyntaxError(`${this.where}: missing )`);
        const after = this.#peek();
        let path: string[] = [];
        if (after?.kind === 'field' && after.base === 'dot' && after.path.length > 0) {
          path = after.path;
          this.#i += 1;
        }
        return { kind: 'pipeline', pipeline, path };
      }
    }
  }

  #peek(): Token | undefined {
    return this.tokens[this.#i];
  }
}

function pipelineOf(source: string, where: string, allowTwoVariables = false): Pipeline {
  return new PipelineParser(tokenize(source, where), where).parse(allowTwoVariables);
}

/** Parses one template file. `file` only names it in errors. */
export function parseTemplate(source: string, file: string): ParsedTemplate {
  const items = scan(source, file);
  const defines = new Map<string, readonly Node[]>();
  let index = 0;

  type Stop = { keyword: 'end' | 'else'; rest: string; line: number } | undefined;

  const parseList = (): { nodes: Node[]; stop: Stop } => {
    const nodes: Node[] = [];
    while (index < items.length) {
      const item = items[index++]!;
      if (item.kind === 'text') {
        nodes.push({ kind: 'text', text: item.text });
        continue;
      }
      const where = `${file}:${item.line}`;
      const action = item.source;
      if (action.startsWith('/*')) {
        if (!action.endsWith('*/')) throw new TemplateSyntaxError(`${where}: a comment must fill its action`);
        continue;
      }
      const [keyword = '', ...restWords] = action.split(/\s+/);
      const rest = action.slice(keyword.length).trim();
      switch (keyword) {
        case 'end':
          return { nodes, stop: { keyword: 'end', rest: '', line: item.line } };
        case 'else':
          return { nodes, stop: { keyword: 'else', rest, line: item.line } };
        case 'if':
          nodes.push(parseIf(rest, item.line, where));
          break;
        case 'with':
        case 'range': {
          const pipeline = pipelineOf(rest, where, keyword === 'range');
          const body = parseList();
          let otherwise: Node[] = [];
          if (body.stop?.keyword === 'else') {
            if (body.stop.rest)
              throw new TemplateSyntaxError(`${where}: else-chains are only supported on if`);
            const tail = parseList();
            if (tail.stop?.keyword !== 'end')
              throw new TemplateSyntaxError(`${where}: ${keyword} without end`);
            otherwise = tail.nodes;
          } else if (body.stop?.keyword !== 'end') {
            throw new TemplateSyntaxError(`${where}: ${keyword} without end`);
          }
          nodes.push({ kind: keyword, pipeline, body: body.nodes, otherwise, line: item.line });
          break;
        }
        case 'define': {
          const name = JSON.parse(restWords.join(' ')) as string;
          const body = parseList();
          if (body.stop?.keyword !== 'end') throw new TemplateSyntaxError(`${where}: define without end`);
          defines.set(name, body.nodes);
          break;
        }
        case 'template': {
          const match = /^"([^"]+)"\s*(.*)$/.exec(rest);
          if (!match) throw new TemplateSyntaxError(`${where}: template needs a quoted name`);
          const pipeline = match[2] ? pipelineOf(match[2], where) : undefined;
          nodes.push({ kind: 'template', name: match[1]!, pipeline, line: item.line });
          break;
        }
        case 'block':
        case 'break':
        case 'continue':
          throw new TemplateSyntaxError(`${where}: ${keyword} is not supported by this renderer`);
        default:
          nodes.push({ kind: 'output', pipeline: pipelineOf(action, where), line: item.line });
      }
    }
    return { nodes, stop: undefined };
  };

  const parseIf = (condition: string, line: number, where: string): Node => {
    const branches: { pipeline: Pipeline; body: Node[] }[] = [];
    let pipeline = pipelineOf(condition, where);
    for (;;) {
      const body = parseList();
      branches.push({ pipeline, body: body.nodes });
      if (body.stop?.keyword === 'end') return { kind: 'if', branches, otherwise: [], line };
      if (body.stop?.keyword !== 'else') throw new TemplateSyntaxError(`${where}: if without end`);
      if (body.stop.rest.startsWith('if ')) {
        pipeline = pipelineOf(body.stop.rest.slice(3), `${file}:${body.stop.line}`);
        continue;
      }
      const tail = parseList();
      if (tail.stop?.keyword !== 'end') throw new TemplateSyntaxError(`${where}: if without end`);
      return { kind: 'if', branches, otherwise: tail.nodes, line };
    }
  };

  const { nodes, stop } = parseList();
  if (stop) throw new TemplateSyntaxError(`${file}:${stop.line}: unexpected ${stop.keyword}`);
  return { nodes, defines };
}
