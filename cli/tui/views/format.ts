/** Pure text formatting for the views: fixed-width numbers, sparklines, clock times. */

const BARS = '▁▂▃▄▅▆▇█';

/** Below this many requests/s a window is drawn against this scale: a trickle stays low, not full height. */
export const SPARK_FLOOR_RPS = 1;
/** Steady traffic reaches this share of the height, leaving room above it for a spike to stand out. */
const STEADY_SHARE = 0.75;

/**
 * The value a sparkline draws at full height: the window's largest sample, but never less than
 * its mean over STEADY_SHARE (steady traffic draws a line at three quarters, not a wall of full
 * blocks) nor less than SPARK_FLOOR_RPS (an idle service draws low).
 */
export function sparkScale(window: readonly number[]): number {
  let max = 0;
  let sum = 0;
  for (const v of window) {
    if (v > max) max = v;
    sum += v;
  }
  const mean = window.length === 0 ? 0 : sum / window.length;
  return Math.max(max, mean / STEADY_SHARE, SPARK_FLOOR_RPS);
}

/** The last `width` samples as bars, scaled to what they show (sparkScale); right-aligned. */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0) return '';
  const tail = values.slice(-width);
  const top = sparkScale(tail);
  const last = BARS.length - 1;
  const bars = tail.map((v) => BARS[Math.min(last, Math.max(0, Math.round((v / top) * last)))]!).join('');
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
