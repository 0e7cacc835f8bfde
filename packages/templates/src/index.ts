export { type CompiledTemplate, compileTemplate, type LiteralPath } from './compile-template.js';
export { BLOCK_HELPERS, TEMPLATE_HELPERS, type TemplateHelperName } from './private/helper-names.js';
export { compileJmesPath, type JmesPathEvaluator } from './private/jmes-path.js';
export { MAX_TEMPLATE_NESTING } from './private/nesting-guard.js';
export {
  type MountFile,
  type RenderedFile,
  type RenderTemplatesOptions,
  renderTemplates,
  type TemplateToRender,
} from './render-templates.js';
export { TemplateCache, type TemplateCacheOptions } from './template-cache.js';
export {
  TemplateCompileError,
  type TemplateCompileErrorCode,
  type TemplatePosition,
  TemplateRenderError,
  type TemplateRenderErrorCode,
} from './template-error.js';
