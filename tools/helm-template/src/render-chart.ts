import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { TemplateExecutionError } from './errors.js';
import { TemplateExecutor } from './private/execute-template.js';
import { type Node, parseTemplate } from './private/parse-template.js';
import { validateValues } from './validate-values.js';

export interface RenderOptions {
  /** Values files' contents (already parsed), applied in order over the chart's values.yaml (`-f a -f b`). */
  readonly values?: readonly Record<string, unknown>[];
  readonly releaseName?: string;
  readonly namespace?: string;
  /** API versions the cluster serves (`.Capabilities.APIVersions.Has`); default: none beyond v1. */
  readonly apiVersions?: readonly string[];
}

export interface RenderedDocument {
  /** Template file, relative to the chart (`templates/daemonset.yaml`). */
  readonly template: string;
  /** The manifest as YAML text. */
  readonly text: string;
  readonly object: Record<string, unknown>;
}

export interface RenderedChart {
  /** The values the templates saw: chart defaults coalesced with the given files. */
  readonly values: Record<string, unknown>;
  readonly documents: readonly RenderedDocument[];
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's coalescing: maps merge key by key, anything else replaces, and `null` deletes the default. */
export function coalesceValues(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = coalesceValues(out[key], value);
    else out[key] = structuredClone(value);
  }
  return out;
}

interface ChartFile {
  readonly apiVersion?: string;
  readonly name: string;
  readonly version: string;
  readonly appVersion?: string;
  readonly dependencies?: readonly unknown[];
}

/**
 * `helm template` for this repository's chart, without helm: values.yaml coalesced with the given
 * values, validated against values.schema.json, then every `templates/*.yaml` rendered and split
 * into manifests. Dependencies (subcharts) are not rendered: their values are in `values`.
 */
export function renderChart(chartDir: string, options: RenderOptions = {}): RenderedChart {
  const chart = parse(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')) as ChartFile;
  let values = (parse(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) ?? {}) as Record<
    string,
    unknown
  >;
  for (const file of options.values ?? []) values = coalesceValues(values, file);
  // Helm adds `global` to the values of a chart with dependencies before validating them.
  if (chart.dependencies?.length && !isMap(values.global)) values = { ...values, global: {} };
  const schemaPath = path.join(chartDir, 'values.schema.json');
  if (existsSync(schemaPath)) validateValues(values, JSON.parse(readFileSync(schemaPath, 'utf8')));

  const templatesDir = path.join(chartDir, 'templates');
  const files = readdirSync(templatesDir)
    .filter((f) => /\.(ya?ml|tpl|txt)$/.test(f))
    .sort();
  const parsed = new Map<string, { nodes: readonly Node[] }>();
  const defines = new Map<string, { nodes: readonly Node[]; file: string }[]>();
  for (const file of files) {
    const relative = `templates/${file}`;
    const template = parseTemplate(readFileSync(path.join(templatesDir, file), 'utf8'), relative);
    parsed.set(relative, template);
    for (const [name, nodes] of template.defines) {
      defines.set(name, [...(defines.get(name) ?? []), { nodes, file: relative }]);
    }
  }
  const executor = new TemplateExecutor(defines);
  const apiVersions = new Set(['v1', ...(options.apiVersions ?? [])]);
  const documents: RenderedDocument[] = [];
  for (const [relative, template] of parsed) {
    const base = path.basename(relative);
    if (base.startsWith('_') || base === 'NOTES.txt') continue;
    const root = {
      Values: values,
      Release: {
        Name: options.releaseName ?? 'release-name',
        Namespace: options.namespace ?? 'default',
        Service: 'Helm',
        IsInstall: true,
        IsUpgrade: false,
        Revision: 1,
      },
      Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion ?? '' },
      Capabilities: { APIVersions: { Has: (v: unknown) => apiVersions.has(String(v)) } },
      Template: { Name: `${chart.name}/${relative}`, BasePath: `${chart.name}/templates` },
    };
    const text = executor.run(template.nodes, root, relative);
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) {
        throw new TemplateExecutionError(
          `${relative} rendered invalid YAML: ${document.errors[0]!.message}\n${text}`,
        );
      }
      const object = document.toJS() as unknown;
      if (object === null || object === undefined) continue;
      if (!isMap(object))
        throw new TemplateExecutionError(`${relative} rendered a non-object document:\n${text}`);
      documents.push({ template: relative, text: document.toString(), object });
    }
  }
  return { values, documents };
}

/** Renders one template text (its own `define`s included) against `data`: for tests of the renderer itself. */
export function renderTemplateText(source: string, data: unknown, file = 'inline.tpl'): string {
  const template = parseTemplate(source, file);
  const defines = new Map([...template.defines].map(([name, nodes]) => [name, [{ nodes, file }]]));
  return new TemplateExecutor(defines).run(template.nodes, data, file);
}
