/**
 * Markdown tables for the experiment reports: padded so they read as well on a terminal as
 * rendered, numbers as percentages with two decimals (the paper's precision).
 */
import type { ConfidenceInterval } from '../eval/bootstrap.js';

export const MISSING = '—';

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
}

/** Column widths in characters (code points, so "—" and "Δ" count as one). */
const width = (text: string) => [...text].length;

function pad(text: string, to: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** A GitHub-flavoured Markdown table; `|` inside a cell is escaped. */
export function markdownTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  for (const [i, row] of rows.entries()) {
    if (row.length !== columns.length) throw new Error(`table row ${i + 1} has ${row.length} cells for ${columns.length} columns`);
  }
  const cells = rows.map((row) => row.map((cell) => cell.replace(/\|/g, '\\|')));
  const widths = columns.map((c, i) => Math.max(3, width(c.header), ...cells.map((row) => width(row[i]!))));
  const line = (row: readonly string[]) => `| ${row.map((cell, i) => pad(cell, widths[i]!, columns[i]!.align ?? 'left')).join(' | ')} |`;
  const rule = `|${columns.map((c, i) => (c.align === 'right' ? `${'-'.repeat(widths[i]! + 1)}:` : '-'.repeat(widths[i]! + 2))).join('|')}|`;
  return [line(columns.map((c) => c.header)), rule, ...cells.map(line)].join('\n');
}

/** A fraction (0..1) as a percentage with two decimals; null/undefined/NaN as "—". */
export function percent(fraction: number | null | undefined): string {
  return fraction === null || fraction === undefined || !Number.isFinite(fraction) ? MISSING : (fraction * 100).toFixed(2);
}

/** "87.91 (86.50–89.20)": the estimate with its bootstrap interval, in percent. */
export function percentWithCi(fraction: number, ci: ConfidenceInterval | undefined): string {
  return ci ? `${percent(fraction)} (${percent(ci.lower)}–${percent(ci.upper)})` : percent(fraction);
}

/** A number the paper prints (already in percent), or "—" where we do not have it. */
export function paperNumber(value: number | undefined): string {
  return value === undefined ? MISSING : value.toFixed(2);
}

/** Difference of two fractions in percentage points, signed: "+4.10". */
export function pointsDifference(from: number | null | undefined, to: number | null | undefined): string {
  if (from === null || from === undefined || to === null || to === undefined) return MISSING;
  const points = (to - from) * 100;
  return `${points >= 0 ? '+' : ''}${points.toFixed(2)}`;
}

/** Parameter counts as the model zoos print them: 31.0M, 412.5k. */
export function parameterCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
