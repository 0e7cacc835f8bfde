import type { MissNotes } from './bench-report.js';

/**
 * What was found about each target the last full run missed: cause and proposed fix. Keyed by figure
 * id; only printed when that figure misses.
 */
export const MISS_NOTES: MissNotes = {};
