import {
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  Parser,
  type Scalar,
  type YAMLMap,
  YAMLParseError,
  type YAMLSeq,
} from 'yaml';
import { yamlErrorOffset } from './yaml-error-position.js';

/**
 * Deepest collection nesting we compose. The `yaml` composer recurses per level; near the stack
 * limit V8 can abort the whole process (a fatal "RegExpCompiler Allocation failed", not a
 * catchable RangeError), so depth is measured on the iterative CST first.
 */
export const MAX_YAML_DEPTH = 64;

/** Alias references to collections followed per document (guards "billion laughs" fan-out). */
export const MAX_ALIAS_REFERENCES = 100;

/**
 * Counts the YAML lexemes of `text` (scalars, indicators, line breaks, indentation, comments),
 * stopping as soon as there are more than `limit`: returns the count, or `undefined` when over.
 * Streams and keeps nothing, so its cost is bounded by `limit` whatever the size of `text`; the
 * parser's syntax tree and the composer both grow with the lexeme count (~100 bytes of heap per
 * input byte for dense shapes such as `x:\n  - |\n` repeated).
 */
export function countLexemes(text: string, limit: number): number | undefined {
  let count = 0;
  for (const _ of new Lexer().lex(text)) {
    if (++count > limit) return undefined;
  }
  return count;
}

export interface YamlProblem {
  /** Offset in the parsed text. */
  readonly offset: number;
  readonly message: string;
}

export interface YamlSource {
  readonly text: string;
  readonly lineCounter: LineCounter;
  /** Every document (multi-document streams), each with its own alias table. */
  readonly documents: readonly YamlDocument[];
  /** The first syntax error of each document, plus a nesting problem if any. */
  readonly problems: readonly YamlProblem[];
}

export interface YamlDocument {
  readonly document: Document.Parsed;
  /** Follows an alias to its anchored node (`undefined` when unknown or over budget). */
  readonly resolve: (node: unknown) => YamlNode | undefined;
  /** Set once an alias could not be followed within the budget. */
  readonly aliasProblem: () => YamlProblem | undefined;
}

export type YamlNode = Scalar | YAMLMap | YAMLSeq;

export interface ParseYamlOptions {
  /** Only the first document is composed (Go's yaml.Unmarshal ignores the rest). */
  readonly firstDocumentOnly?: boolean;
  readonly maxDepth?: number;
}

/**
 * Parses YAML with the failsafe schema (every scalar is its raw string), never throwing and never
 * recursing deeper than `maxDepth`.
 */
export function parseYaml(text: string, options: ParseYamlOptions = {}): YamlSource {
  const lineCounter = new LineCounter();
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const maxDepth = options.maxDepth ?? MAX_YAML_DEPTH;
  const firstDocumentIndex = tokens.findIndex((token) => token.type === 'document');
  const selected =
    options.firstDocumentOnly && firstDocumentIndex >= 0 ? [tokens[firstDocumentIndex]!] : tokens;
  for (const token of selected) {
    const tooDeep = findTooDeep(token, maxDepth);
    if (tooDeep !== undefined) {
      return {
        text,
        lineCounter,
        documents: [],
        problems: [{ offset: tooDeep, message: `document nested deeper than ${maxDepth} levels` }],
      };
    }
  }
  // Duplicate keys are found by `withAliasTable` in one pass: the composer's own check compares
  // each key with every earlier one (quadratic: 60,000 keys took 100 s).
  const composer = new Composer({ schema: 'failsafe', prettyErrors: false, uniqueKeys: false, strict: true });
  const composed = Array.from(composer.compose(selected, false, text.length));
  const documents = options.firstDocumentOnly ? composed.slice(0, 1) : composed;
  const problems: YamlProblem[] = [];
  const withTables: YamlDocument[] = [];
  for (const document of documents) {
    const { table, duplicateKeyAt } = withAliasTable(document);
    withTables.push(table);
    const error = document.errors[0];
    const errorAt = error ? yamlErrorOffset(document.errors, text, selected) : Number.POSITIVE_INFINITY;
    // Recorded on the document too, as the composer would, for callers that look at its errors.
    if (duplicateKeyAt !== undefined) {
      document.errors.push(
        new YAMLParseError([duplicateKeyAt, duplicateKeyAt + 1], 'DUPLICATE_KEY', 'Map keys must be unique'),
      );
    }
    if (duplicateKeyAt !== undefined && duplicateKeyAt < errorAt) {
      problems.push({ offset: duplicateKeyAt, message: 'Map keys must be unique' });
    } else if (error) {
      problems.push({ offset: errorAt, message: error.message });
    }
  }
  return { text, lineCounter, documents: withTables, problems };
}

function findTooDeep(root: CST.Token, maxDepth: number): number | undefined {
  const stack: [CST.Token, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (depth > maxDepth) return token.offset;
    if (token.type === 'document') {
      if (token.value) stack.push([token.value, depth]);
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if (item.key) stack.push([item.key, depth + 1]);
        if (item.value) stack.push([item.value, depth + 1]);
      }
    } else if (token.type === 'block-scalar' || token.type === 'error') {
      // no children worth measuring
    }
  }
  return undefined;
}

function withAliasTable(document: Document.Parsed): {
  table: YamlDocument;
  duplicateKeyAt: number | undefined;
} {
  // One pass in document order: each alias refers to the latest anchor defined before it.
  // (`Alias#resolve` re-walks the whole document per call: quadratic on many aliases.) The same
  // pass finds the first duplicate map key as the composer's `uniqueKeys` would: scalar keys equal
  // by value, and two missing keys (`: a`) equal; collection and alias keys never equal.
  const targets = new Map<unknown, YamlNode>();
  const anchors = new Map<string, YamlNode>();
  let duplicateKeyAt: number | undefined;
  const stack: unknown[] = [document.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || node === undefined) continue;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target) targets.set(node, target);
      continue;
    }
    if (isPair(node)) {
      stack.push(node.value, node.key);
      continue;
    }
    if (!isScalar(node) && !isMap(node) && !isSeq(node)) continue;
    if (node.anchor) anchors.set(node.anchor, node);
    if (isMap(node) && duplicateKeyAt === undefined) duplicateKeyAt = firstDuplicateKey(node);
    if (isMap(node) || isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    }
  }
  let references = 0;
  let problem: YamlProblem | undefined;
  const table: YamlDocument = {
    document,
    resolve(node) {
      if (!isAlias(node)) return isScalar(node) || isMap(node) || isSeq(node) ? node : undefined;
      const target = targets.get(node);
      if (target === undefined) {
        problem ??= { offset: node.range?.[0] ?? 0, message: `unknown anchor ${node.source}` };
        return undefined;
      }
      if (!isScalar(target) && ++references > MAX_ALIAS_REFERENCES) {
        problem ??= {
          offset: node.range?.[0] ?? 0,
          message: `more than ${MAX_ALIAS_REFERENCES} alias references to collections`,
        };
        return undefined;
      }
      return target;
    },
    aliasProblem: () => problem,
  };
  return { table, duplicateKeyAt };
}

/** Offset of the first key of `map` equal to an earlier one (see withAliasTable), if any. */
function firstDuplicateKey(map: YAMLMap): number | undefined {
  const seen = new Set<unknown>();
  let missingKeySeen = false;
  for (const pair of map.items) {
    const key = pair.key as unknown;
    if (key === null || key === undefined) {
      if (missingKeySeen) return (pair.value as Node | null)?.range?.[0] ?? map.range?.[0] ?? 0;
      missingKeySeen = true;
    } else if (isScalar(key)) {
      if (seen.has(key.value)) return key.range?.[0] ?? 0;
      seen.add(key.value);
    }
  }
  return undefined;
}

/** Plain (unquoted) `null`, `Null`, `NULL`, `~`, an empty value, or an explicit `!!null`. */
export function isNullScalar(node: Node | null | undefined): boolean {
  if (node === null || node === undefined) return true;
  if (!isScalar(node)) return false;
  if (node.tag === '!!null' || node.tag === 'tag:yaml.org,2002:null') return true;
  if (node.type !== 'PLAIN') return false;
  const text = String(node.value);
  return text === '' || text === '~' || text === 'null' || text === 'Null' || text === 'NULL';
}

const YAML11_BOOL =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const YAML12_BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const INT = /^[-+]?(?:0|[1-9][0-9_]*|0[0-7_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)$/;
const FLOAT =
  /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/;

/**
 * The short tag Go's YAML decoders resolve a node to (`!!str`, `!!int`, `!!map`, ...), for
 * Go-compatible `cannot unmarshal` messages. `yaml11` follows sigs.k8s.io/yaml (kubectl).
 */
export function goShortTag(node: YamlNode, yaml11 = false): string {
  if (isMap(node)) return '!!map';
  if (isSeq(node)) return '!!seq';
  if (isNullScalar(node)) return '!!null';
  if (node.type !== 'PLAIN') return '!!str';
  const text = String(node.value);
  if ((yaml11 ? YAML11_BOOL : YAML12_BOOL).test(text)) return '!!bool';
  if (INT.test(text)) return '!!int';
  if (FLOAT.test(text)) return '!!float';
  return '!!str';
}

/** yaml.v3's `cannot unmarshal` wording: scalars show at most 10 characters of their text. */
export function goUnmarshalError(node: YamlNode, line: number, target: string): string {
  const tag = goShortTag(node);
  let shown = '';
  if (isScalar(node)) {
    const text = String(node.value);
    shown = text.length > 10 ? ` \`${text.slice(0, 7)}...\`` : ` \`${text}\``;
  }
  return `line ${line}: cannot unmarshal ${tag}${shown} into ${target}`;
}

/**
 * Maps an offset inside a scalar's value back to an offset in the source text: exact for literal
 * block scalars (`|`) and single-line plain or quoted scalars, the node start otherwise.
 */
export function valueToSourceOffset(node: Scalar, source: string): (valueOffset: number) => number {
  const range = node.range;
  if (!range) return () => 0;
  const [start, valueEnd] = range;
  const value = String(node.value);
  if (node.type === 'BLOCK_LITERAL') {
    const headerEnd = source.indexOf('\n', start);
    if (headerEnd < 0 || headerEnd >= valueEnd) return () => start;
    const lineStarts: number[] = [];
    for (let at = headerEnd + 1; at < valueEnd; ) {
      lineStarts.push(at);
      const next = source.indexOf('\n', at);
      if (next < 0) break;
      at = next + 1;
    }
    const valueLineStarts = [0];
    for (let at = value.indexOf('\n'); at >= 0; at = value.indexOf('\n', at + 1))
      valueLineStarts.push(at + 1);
    let indent = 0;
    for (let k = 0; k < lineStarts.length && k < valueLineStarts.length; k++) {
      const valueLineEnd = k + 1 < valueLineStarts.length ? valueLineStarts[k + 1]! - 1 : value.length;
      const valueLineLength = valueLineEnd - valueLineStarts[k]!;
      if (valueLineLength === 0) continue;
      let sourceLineEnd = source.indexOf('\n', lineStarts[k]!);
      if (sourceLineEnd < 0) sourceLineEnd = source.length;
      if (source[sourceLineEnd - 1] === '\r') sourceLineEnd--;
      indent = Math.max(0, sourceLineEnd - lineStarts[k]! - valueLineLength);
      break;
    }
    return (valueOffset) => {
      const line = upperBound(valueLineStarts, valueOffset) - 1;
      const lineStart = lineStarts[line];
      if (lineStart === undefined) return valueEnd;
      return Math.min(lineStart + indent + (valueOffset - valueLineStarts[line]!), valueEnd);
    };
  }
  const raw = source.slice(start, valueEnd);
  if (raw.includes('\n') || value.includes('\n')) return () => start;
  const opening = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
  return (valueOffset) => Math.min(start + opening + valueOffset, valueEnd);
}

/** Index of the first element greater than `value` in an ascending array. */
function upperBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** 1-based line of an offset. */
export function lineOf(source: YamlSource, offset: number): number {
  return source.lineCounter.linePos(offset).line;
}

/** The node `node` stands for (an alias resolved), or `null`. */
export function resolveOrNull(document: YamlDocument, node: unknown): YamlNode | null {
  if (node === null || node === undefined) return null;
  return document.resolve(node) ?? null;
}

const MAX_UNMARSHAL_ERRORS_SHOWN = 10;

/** Go's yaml.v3 lists every unmarshal error; ours stop after ten lines so an echoed error stays bounded. */
export function summarizeUnmarshalErrors(lines: string[]): string[] {
  if (lines.length <= MAX_UNMARSHAL_ERRORS_SHOWN) return lines;
  return [
    ...lines.slice(0, MAX_UNMARSHAL_ERRORS_SHOWN),
    `... and ${lines.length - MAX_UNMARSHAL_ERRORS_SHOWN} more`,
  ];
}
