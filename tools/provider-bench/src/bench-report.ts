import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Figure, figureTable, formatValue } from './figures.js';
import type { ProviderBenchResult } from './provider-bench.js';

/** Explanations of known misses, keyed by figure id (written beside the figures in the section). */
export type MissNotes = Readonly<Record<string, string>>;

/** The Markdown section `docs/bench/provider.md`. */
export function benchMarkdown(result: ProviderBenchResult, missNotes: MissNotes = {}): string {
  const { machine } = result;
  const missed = result.figures.filter((f) => f.met === false);
  const lines = [
    '### provider (daemon under load)',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores (${machine.platform}); Node ${machine.node}; ${machine.date.slice(0, 10)}; load average ${machine.loadAverage} at the end; the whole run took ${result.durationSeconds.toFixed(0)} s.`,
    'The built `apps/csi-driver/dist/main.js` as its own process on a real unix socket; the fake NMI and the',
    'Key Vault emulator each in their own process (`tools/provider-bench/src/double-host.ts`, which imports',
    'their dist and answers counters over IPC, since their CLIs have no stats endpoint). The daemon reaches',
    'Key Vault as `https://<vault>.vault.azure.net` through `HTTPS_PROXY` = the emulator (test CA via',
    '`NODE_EXTRA_CA_CERTS`): the production code path. RSS and CPU come from `/proc/<pid>/status` and',
    '`/proc/<pid>/stat` of the daemon; peaks are VmHWM (reset through `clear_refs`) and 20 ms samples of VmRSS.',
    'Written by `npm run bench` (tools/provider-bench/bench/provider.bench.mjs); JSON in `docs/benchmarks.json`.',
    '',
    figureTable(result.figures),
    '',
  ];
  if (result.notes.length) {
    lines.push('Notes from the run:', '', ...result.notes.map((n) => `- ${n}`), '');
  }
  if (missed.length) {
    // One explanation per cause, after the figures it explains.
    lines.push('Missed targets, causes and proposed fixes:', '');
    const byNote = new Map<string, Figure[]>();
    for (const figure of missed) {
      const note = missNotes[figure.id] ?? 'No analysis recorded.';
      byNote.set(note, [...(byNote.get(note) ?? []), figure]);
    }
    for (const [note, figures] of byNote) {
      for (const f of figures)
        lines.push(`- **${f.scenario}: ${f.label}** = ${formatValue(f)} (target ${f.target})`);
      lines.push('', `  ${note}`, '');
    }
  }
  return lines.join('\n');
}

/** `docs/benchmarks.json`: machine, every figure with its target and verdict. */
export function benchJson(result: ProviderBenchResult): string {
  return `${JSON.stringify(
    {
      provider: {
        machine: result.machine,
        durationSeconds: Number(result.durationSeconds.toFixed(1)),
        figures: result.figures.map((f: Figure) => ({
          ...f,
          value: Number.isFinite(f.value) ? Number(f.value.toFixed(3)) : null,
        })),
        notes: result.notes,
      },
    },
    null,
    2,
  )}\n`;
}

export function writeBenchDocs(
  docsDir: string,
  result: ProviderBenchResult,
  missNotes: MissNotes = {},
): string {
  const markdown = benchMarkdown(result, missNotes);
  mkdirSync(path.join(docsDir, 'bench'), { recursive: true });
  writeFileSync(path.join(docsDir, 'bench', 'provider.md'), markdown);
  writeFileSync(path.join(docsDir, 'benchmarks.json'), benchJson(result));
  return markdown;
}
