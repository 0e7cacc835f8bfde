export { TemplateExecutionError, TemplateSyntaxError, ValuesSchemaError } from './errors.js';
export {
  coalesceValues,
  type RenderedChart,
  type RenderedDocument,
  type RenderOptions,
  renderChart,
  renderTemplateText,
} from './render-chart.js';
export { validateValues } from './validate-values.js';
