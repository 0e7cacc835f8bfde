import type { CompiledTemplate } from './compile-template.js';
import { HelperFailure } from './private/helper-failure.js';
import type { RenderState } from './private/render-helpers.js';
import { TemplateRenderError } from './template-error.js';

/** One `templates` entry to render: its file, its mode and its compiled text. */
export interface TemplateToRender {
  readonly fileName: string;
  readonly mode: number;
  readonly template: CompiledTemplate;
}

/** A file the mount returns (what the objects produced). */
export interface MountFile {
  readonly path: string;
  readonly contents: Uint8Array;
}

export interface RenderedFile {
  readonly path: string;
  readonly mode: number;
  readonly contents: Uint8Array;
}

export interface RenderTemplatesOptions {
  /**
   * Bytes all templates of the mount may produce together (and the helper results they are built
   * from); a render past it fails with `TEMPLATE_OUTPUT_TOO_LARGE`. Callers pass what is left of
   * the mount's byte budget.
   */
  readonly maxOutputBytes: number;
}

/**
 * Renders every template, in order, from the files the objects produced (extensions.md §8): a
 * template never sees another template's output. Returns the rendered files; throws
 * `TemplateRenderError` (`template <fileName>: <cause>`) at the first failure, without any value.
 */
export function renderTemplates(
  templates: readonly TemplateToRender[],
  files: readonly MountFile[],
  options: RenderTemplatesOptions,
): RenderedFile[] {
  if (templates.length === 0) return [];
  const byPath = new Map<string, Uint8Array>();
  for (const file of files) byPath.set(file.path, file.contents);
  const literals = new Set<string>();
  for (const { template } of templates) {
    for (const literal of template.literalPaths) literals.add(literal.path);
    for (const expression of template.jmesPaths.keys()) literals.add(expression);
  }
  const maxBytes = Math.max(0, Math.floor(options.maxOutputBytes));
  const state: RenderState = {
    files: byPath,
    literals,
    jmesPaths: new Map(),
    remainingBytes: maxBytes,
    maxBytes,
    texts: new Map(),
    parsed: new Map(),
    computedJmesPaths: new Map(),
  };
  const rendered: RenderedFile[] = [];
  for (const { fileName, mode, template } of templates) {
    const conflict = pathConflict(fileName, byPath);
    if (conflict) throw new TemplateRenderError('TEMPLATE_PATH_CONFLICT', fileName, conflict);
    let text: string;
    try {
      text = template.renderWith({
        ...state,
        jmesPaths: template.jmesPaths,
        remainingBytes: state.remainingBytes,
      });
    } catch (error) {
      throw renderError(error, fileName);
    }
    const contents = Buffer.from(text, 'utf8');
    state.remainingBytes -= contents.byteLength;
    if (state.remainingBytes < 0) {
      throw new TemplateRenderError(
        'TEMPLATE_OUTPUT_TOO_LARGE',
        fileName,
        `rendered text exceeds the limit of ${maxBytes} bytes for this mount's templates`,
      );
    }
    rendered.push({ path: fileName, mode, contents });
  }
  return rendered;
}

function renderError(error: unknown, fileName: string): TemplateRenderError {
  if (error instanceof HelperFailure) return new TemplateRenderError(error.code, fileName, error.message);
  // Handlebars' own runtime errors may quote the current value (`"x" not defined in <value>`):
  // only the position is kept.
  const raw = error as { lineNumber?: unknown; column?: unknown } | null;
  const where =
    typeof raw?.lineNumber === 'number'
      ? ` at line ${raw.lineNumber}, column ${(typeof raw.column === 'number' ? raw.column : 0) + 1}`
      : '';
  const kind = error instanceof RangeError ? 'too large or too complex' : 'failed';
  return new TemplateRenderError('TEMPLATE_RENDER_FAILED', fileName, `render ${kind}${where}`);
}

// The parse-time check knows the objects' paths; wildcard objects and split files are known only now.
function pathConflict(fileName: string, files: ReadonlyMap<string, Uint8Array>): string | undefined {
  if (files.has(fileName)) return 'its file name is also a file the objects of this mount write';
  for (let at = fileName.indexOf('/'); at >= 0; at = fileName.indexOf('/', at + 1)) {
    if (files.has(fileName.slice(0, at))) {
      return `its directory ${JSON.stringify(fileName.slice(0, at))} is a file the objects of this mount write`;
    }
  }
  const prefix = `${fileName}/`;
  for (const path of files.keys()) {
    if (path.startsWith(prefix))
      return 'its file name is a directory of files the objects of this mount write';
  }
  return undefined;
}
