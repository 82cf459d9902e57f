import { formatDuration, parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import type { Objective } from './schema.js';

/**
 * What clients saw, from the load generator's cumulative counters read at phase boundaries (its
 * `/metrics`, directly or through Prometheus): outcome counts and the latency histogram.
 */
export interface ClientSnapshot {
  /** meshdev_client_requests_total by outcome (success, http_error, timeout, connection_error). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** meshdev_client_request_duration_seconds_bucket summed over outcomes: upper bound (s) -> cumulative count. */
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
}

export interface PhaseMeasurement {
  readonly requests: number;
  readonly successes: number;
  /** Estimated from histogram buckets (linear within a bucket, as Prometheus' histogram_quantile). */
  readonly p99Ms: number | null;
}

/** The phase's traffic: `end - start` of the cumulative counters. */
export function measure(start: ClientSnapshot, end: ClientSnapshot): PhaseMeasurement {
  const delta = (o: string) => (end.outcomes[o] ?? 0) - (start.outcomes[o] ?? 0);
  const outcomes = new Set([...Object.keys(start.outcomes), ...Object.keys(end.outcomes)]);
  let requests = 0;
  for (const o of outcomes) requests += delta(o);
  const before = new Map(start.buckets.map((b) => [b.le, b.count]));
  const buckets = end.buckets.map((b) => ({ le: b.le, count: b.count - (before.get(b.le) ?? 0) }));
  const q = histogramQuantile(0.99, buckets);
  return { requests, successes: delta('success'), p99Ms: q === null ? null : q * 1000 };
}

/** Prometheus' histogram_quantile on cumulative buckets (sorted by `le`, the last one +Inf). */
export function histogramQuantile(q: number, buckets: readonly { le: number; count: number }[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe; // in the +Inf bucket: the highest finite bound
      if (b.count === prevCount) return b.le;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / (b.count - prevCount);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** An objective's p99 bound: a fixed duration, or a multiple of another phase's p99 in the same run. */
export type LatencyBound =
  | { readonly kind: 'absolute'; readonly ms: number }
  | { readonly kind: 'relative'; readonly factor: number; readonly phase: string; readonly plusMs: number };

/**
 * `1s` -> absolute; `2x baseline` (also `1.5x run`) -> relative to that phase's p99; `2x baseline +
 * 150ms` adds a fixed slack (a reference p99 of a few tens of ms doubles with scheduling noise alone).
 */
export function parseLatencyBound(text: string, where: string): LatencyBound {
  const m = /^\s*(\d+(?:\.\d+)?)\s*x\s+([a-z0-9][a-z0-9._-]*)\s*(?:\+\s*(\S+)\s*)?$/.exec(text);
  if (m === null) return { kind: 'absolute', ms: parseDuration(text, where, { min: 1 }) };
  const factor = Number(m[1]);
  if (!(factor > 0)) throw new UsageError(`${where}: "${text}": the factor must be above 0`);
  const plusMs = m[3] === undefined ? 0 : parseDuration(m[3], where);
  return { kind: 'relative', factor, phase: m[2]!, plusMs };
}

export interface ObjectiveResult {
  readonly phase: string;
  readonly metric: 'successRate' | 'p99' | 'requests';
  readonly ok: boolean;
  /** What was measured, what was wanted, and by how much it was missed, in words. */
  readonly detail: string;
  readonly measured: number | null;
  readonly wanted: number;
}

const pct = (x: number) => `${(Math.floor(x * 1000) / 1000).toString()}%`;

/** Judges each objective on its phase's measurement (pure). */
export function evaluateObjectives(
  objectives: readonly Objective[],
  measured: Readonly<Record<string, PhaseMeasurement>>,
): ObjectiveResult[] {
  const out: ObjectiveResult[] = [];
  for (const o of objectives) {
    const m = measured[o.phase] ?? { requests: 0, successes: 0, p99Ms: null };
    if (m.requests < o.minRequests) {
      out.push({
        phase: o.phase,
        metric: 'requests',
        ok: false,
        measured: m.requests,
        wanted: o.minRequests,
        detail: `only ${m.requests} requests in phase ${o.phase} (need at least ${o.minRequests} to judge it); is the load generator running?`,
      });
      continue;
    }
    if (o.successRate !== undefined) {
      const rate = (100 * m.successes) / m.requests;
      const ok = rate >= o.successRate;
      const failed = m.requests - m.successes;
      out.push({
        phase: o.phase,
        metric: 'successRate',
        ok,
        measured: rate,
        wanted: o.successRate,
        detail: ok
          ? `success ${pct(rate)} >= ${o.successRate}% (${failed} of ${m.requests} failed)`
          : `success ${pct(rate)} < ${o.successRate}%: missed by ${pct(o.successRate - rate)} (${failed} of ${m.requests} failed, at most ${Math.floor((m.requests * (100 - o.successRate)) / 100 + 1e-9)} allowed)`,
      });
    }
    if (o.p99 !== undefined) {
      const bound = parseLatencyBound(o.p99, 'p99');
      const reference = bound.kind === 'relative' ? (measured[bound.phase]?.p99Ms ?? null) : null;
      if (bound.kind === 'relative' && reference === null) {
        out.push({
          phase: o.phase,
          metric: 'p99',
          ok: false,
          measured: m.p99Ms,
          wanted: NaN,
          detail: `no p99 measured in phase ${bound.phase} to compare with`,
        });
        continue;
      }
      const wanted = bound.kind === 'absolute' ? bound.ms : bound.factor * reference! + bound.plusMs;
      // Round the bound to the millisecond so the report reads as it judges.
      const wantedMs = Math.round(wanted);
      const what =
        bound.kind === 'absolute'
          ? formatDuration(wantedMs)
          : `${formatDuration(wantedMs)} (${bound.factor}x ${bound.phase}'s p99 ${formatDuration(Math.round(reference!))}${bound.plusMs > 0 ? ` + ${formatDuration(bound.plusMs)}` : ''})`;
      const p99 = m.p99Ms;
      const ok = p99 !== null && p99 <= wantedMs;
      out.push({
        phase: o.phase,
        metric: 'p99',
        ok,
        measured: p99,
        wanted: wantedMs,
        detail:
          p99 === null
            ? 'no latency data'
            : ok
              ? `p99 ${formatDuration(Math.round(p99))} <= ${what}`
              : `p99 ${formatDuration(Math.round(p99))} > ${what}: missed by ${formatDuration(Math.round(p99 - wantedMs))} (${Math.round((p99 / wantedMs) * 100)}% of the objective)`,
      });
    }
  }
  return out;
}

/** Reads the load generator's counters out of Prometheus text exposition (its `/metrics`). */
export function parseClientMetrics(text: string): ClientSnapshot {
  const outcomes: Record<string, number> = {};
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    let m = /^meshdev_client_requests_total\{[^}]*outcome="([^"]+)"[^}]*\}\s+(\S+)/.exec(line);
    if (m !== null) {
      outcomes[m[1]!] = (outcomes[m[1]!] ?? 0) + Number(m[2]);
      continue;
    }
    m = /^meshdev_client_request_duration_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\}\s+(\S+)/.exec(line);
    if (m !== null) {
      const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
      buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
    }
  }
  return { outcomes, buckets: [...buckets].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le) };
}
