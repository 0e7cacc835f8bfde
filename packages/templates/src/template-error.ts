/** Why a template cannot be compiled: a configuration error, found before any network call. */
export type TemplateCompileErrorCode =
  /** Handlebars could not parse the text. */
  | 'TEMPLATE_SYNTAX'
  /** A helper other than the allowed ones, or an allowed one used the wrong way. */
  | 'TEMPLATE_UNKNOWN_HELPER'
  /** A name lookup (`{{password}}`): a template has no variables, only helpers. */
  | 'TEMPLATE_UNKNOWN_NAME'
  /** Partials, decorators, hash arguments, parent (`../`) paths. */
  | 'TEMPLATE_NOT_ALLOWED'
  /** A helper called with the wrong number of arguments. */
  | 'TEMPLATE_ARGUMENTS'
  /** A literal JMESPath expression of `json` that does not compile. */
  | 'TEMPLATE_JMES_PATH';

/** Why a compiled template could not be rendered from a mount's files. */
export type TemplateRenderErrorCode =
  /** `file`/`json` of a path the mount does not return. */
  | 'TEMPLATE_FILE_NOT_FOUND'
  /** The file (or a `base64decode` result) is not UTF-8 text. */
  | 'TEMPLATE_NOT_TEXT'
  /** `json` of a file that is not valid JSON. */
  | 'TEMPLATE_INVALID_JSON'
  /** `json`: the JMESPath expression matched nothing (or failed on the data). */
  | 'TEMPLATE_NO_MATCH'
  /** `base64decode` of text that is not base64, or a helper given a non-text argument. */
  | 'TEMPLATE_BAD_ARGUMENT'
  /** The rendered text grew past the byte limit. */
  | 'TEMPLATE_OUTPUT_TOO_LARGE'
  /** The template's file name is also a file (or directory) the objects of the mount wrote. */
  | 'TEMPLATE_PATH_CONFLICT'
  /** Anything else Handlebars raised while rendering (reported without its text). */
  | 'TEMPLATE_RENDER_FAILED';

/** Where in the template text: 1-based line, 1-based column (UTF-16 units), 0-based offset. */
export interface TemplatePosition {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/**
 * A template that does not compile. `message` names the problem and its position in the template
 * text; it quotes only the template's own text (bounded), never a value.
 */
export class TemplateCompileError extends Error {
  override readonly name = 'TemplateCompileError';
  readonly code: TemplateCompileErrorCode;
  /** Position in the template text, when known. */
  readonly position: TemplatePosition | undefined;

  constructor(code: TemplateCompileErrorCode, message: string, position?: TemplatePosition) {
    super(message);
    this.code = code;
    this.position = position;
  }
}

/**
 * A render that failed. `message` is `template <fileName>: <cause>`; the cause names files, helpers
 * and expressions from the template, never the content of a file (no secret value).
 */
export class TemplateRenderError extends Error {
  override readonly name = 'TemplateRenderError';
  readonly code: TemplateRenderErrorCode;
  /** The template's file name (`fileName` of the `templates` entry). */
  readonly fileName: string;
  /** The cause alone, without the `template <fileName>: ` prefix. */
  readonly detail: string;

  constructor(code: TemplateRenderErrorCode, fileName: string, detail: string) {
    super(`template ${fileName}: ${detail}`);
    this.code = code;
    this.fileName = fileName;
    this.detail = detail;
  }
}
