/** Pure text formatting for the views: fixed-width numbers, sparklines, clock times. */

const BARS = '▁▂▃▄▅▆▇█';

/** The last `width` samples as bars scaled to the largest of them; flat zero draws the lowest bar. */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0) return '';
  const tail = values.slice(-width);
  const max = Math.max(0, ...tail);
  const bars = tail.map((v) => (max <= 0 ? BARS[0]! : BARS[Math.min(7, Math.round((v / max) * 7))]!)).join('');
  return bars.padStart(width, ' ');
}

export function fmtRps(v: number | undefined): string {
  if (v === undefined) return '-';
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

export function fmtPct(ratio: number | undefined): string {
  if (ratio === undefined) return '-';
  const pct = ratio * 100;
  return pct >= 99.95 ? '100%' : `${pct.toFixed(1)}%`;
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)}s`;
  return ms >= 10 ? `${ms.toFixed(0)}ms` : `${ms.toFixed(1)}ms`;
}

/** HH:MM:SS in local time. */
export function clock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}

export function right(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text.padStart(width);
}
