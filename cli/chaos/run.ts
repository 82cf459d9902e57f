import type { ClientSnapshot, ObjectiveResult, PhaseMeasurement } from './objectives.js';
import { evaluateObjectives, measure } from './objectives.js';
import type { Scenario } from './schema.js';
import type { Plan, TimedStep } from './timeline.js';

/**
 * Plays a scenario's timeline and judges its objectives. I/O sits behind two small interfaces
 * (`ChaosActuators` acts on the mesh, `ClientMetrics` reads what clients saw at a past instant),
 * so the control flow (order, always reverting, measuring per phase) is tested with fakes and the
 * real ones (`actuators.ts`) stay thin.
 */

export interface ChaosActuators {
  /** Applies a step; returns what was done, for the report. */
  apply(step: TimedStep, remainingMs: number): Promise<string>;
  revert(step: TimedStep): Promise<string>;
  /**
   * Sets the load generator's rate (the scenario's `rate`) and returns the rate it had, to restore
   * after the run. Absent: the scenario runs at whatever rate the load generator has.
   */
  setLoadRate?(rate: number): Promise<number>;
}

export interface ClientMetrics {
  /** The load generator's cumulative counters as they were at `atMs` (epoch ms). */
  snapshotAt(atMs: number): Promise<ClientSnapshot>;
  /** How long after an instant its counters are readable (a scrape interval or two). */
  readonly settleMs: number;
}

export interface RunEnv {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface TimelineRecord {
  readonly atMs: number;
  readonly kind: 'apply' | 'revert';
  readonly step: string;
  readonly detail: string;
  readonly at: string;
  readonly error?: string;
}

export interface ChaosReport {
  readonly scenario: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly timeline: readonly TimelineRecord[];
  readonly phases: Readonly<Record<string, PhaseMeasurement & { fromMs: number; toMs: number }>>;
  readonly objectives: readonly ObjectiveResult[];
  readonly ok: boolean;
  /** Set when the run stopped early (a step failed, interrupted). */
  readonly aborted?: string;
}

export async function runScenario(
  scenario: Scenario,
  plan: Plan,
  io: {
    actuators: ChaosActuators;
    metrics: ClientMetrics;
    env: RunEnv;
    signal?: AbortSignal;
    onRecord?: (r: TimelineRecord) => void;
  },
): Promise<ChaosReport> {
  const { actuators, metrics, env } = io;
  // The scenario's rate applies before t0, so every phase is measured at it; it is restored below.
  const previousRate =
    scenario.rate !== undefined && actuators.setLoadRate !== undefined
      ? await actuators.setLoadRate(scenario.rate)
      : undefined;
  const t0 = env.now();
  const startedAt = new Date(t0).toISOString();
  const timeline: TimelineRecord[] = [];
  const applied = new Set<TimedStep>();
  let aborted: string | undefined;
  const record = (r: Omit<TimelineRecord, 'at'>) => {
    const full = { ...r, at: new Date(env.now()).toISOString() };
    timeline.push(full);
    io.onRecord?.(full);
  };

  try {
    for (const e of plan.events) {
      if (io.signal?.aborted) {
        aborted = 'interrupted';
        break;
      }
      const wait = t0 + e.atMs - env.now();
      if (wait > 0) await env.sleep(wait, io.signal);
      if (io.signal?.aborted) {
        aborted = 'interrupted';
        break;
      }
      if (e.kind === 'apply') {
        try {
          const detail = await actuators.apply(e.step, plan.durationMs - e.atMs);
          applied.add(e.step);
          record({ atMs: e.atMs, kind: 'apply', step: e.step.name, detail });
        } catch (err) {
          record({ atMs: e.atMs, kind: 'apply', step: e.step.name, detail: 'failed', error: (err as Error).message });
          aborted = `step ${e.step.name} could not be applied: ${(err as Error).message}`;
          break;
        }
      } else if (applied.has(e.step)) {
        applied.delete(e.step);
        try {
          record({ atMs: e.atMs, kind: 'revert', step: e.step.name, detail: await actuators.revert(e.step) });
        } catch (err) {
          record({ atMs: e.atMs, kind: 'revert', step: e.step.name, detail: 'failed', error: (err as Error).message });
        }
      }
    }
    if (aborted === undefined) {
      const wait = t0 + plan.durationMs - env.now();
      if (wait > 0) await env.sleep(wait, io.signal);
      if (io.signal?.aborted) aborted = 'interrupted';
    }
  } finally {
    // Whatever happened, the mesh is left as it was found.
    if (previousRate !== undefined) await actuators.setLoadRate?.(previousRate).catch(() => undefined);
    for (const step of applied) {
      try {
        record({ atMs: env.now() - t0, kind: 'revert', step: step.name, detail: await actuators.revert(step) });
      } catch (err) {
        record({
          atMs: env.now() - t0,
          kind: 'revert',
          step: step.name,
          detail: 'failed',
          error: (err as Error).message,
        });
      }
    }
  }

  const endMs = Math.min(plan.durationMs, env.now() - t0);
  await env.sleep(metrics.settleMs);
  const phases: Record<string, PhaseMeasurement & { fromMs: number; toMs: number }> = {};
  const cache = new Map<number, Promise<ClientSnapshot>>();
  const at = (ms: number) => {
    let p = cache.get(ms);
    if (p === undefined) cache.set(ms, (p = metrics.snapshotAt(t0 + ms)));
    return p;
  };
  for (const ph of plan.phases) {
    const toMs = Math.min(ph.toMs, endMs);
    if (toMs <= ph.fromMs) continue;
    phases[ph.name] = { ...measure(await at(ph.fromMs), await at(toMs)), fromMs: ph.fromMs, toMs };
  }
  const objectives = evaluateObjectives(scenario.objectives, phases);
  return {
    scenario: scenario.name,
    startedAt,
    endedAt: new Date(env.now()).toISOString(),
    timeline,
    phases,
    objectives,
    ok: aborted === undefined && objectives.every((o) => o.ok),
    ...(aborted === undefined ? {} : { aborted }),
  };
}

export function formatReport(r: ChaosReport): string {
  const lines = [`chaos ${r.scenario}: ${r.startedAt} -> ${r.endedAt}`];
  for (const t of r.timeline) {
    lines.push(
      `  ${t.at} +${(t.atMs / 1000).toFixed(1)}s ${t.kind} ${t.step}: ${t.detail}${t.error ? ` (${t.error})` : ''}`,
    );
  }
  lines.push('phases:');
  for (const [name, p] of Object.entries(r.phases)) {
    const rate = p.requests === 0 ? 'n/a' : `${((100 * p.successes) / p.requests).toFixed(2)}%`;
    lines.push(
      `  ${name} [${(p.fromMs / 1000).toFixed(0)}s-${(p.toMs / 1000).toFixed(0)}s]: ${p.requests} requests, success ${rate}, p99 ${p.p99Ms === null ? 'n/a' : `${Math.round(p.p99Ms)}ms`}`,
    );
  }
  lines.push('objectives:');
  for (const o of r.objectives) lines.push(`  ${o.ok ? 'PASS' : 'FAIL'} ${o.phase} ${o.metric}: ${o.detail}`);
  if (r.aborted) lines.push(`aborted: ${r.aborted}`);
  lines.push(r.ok ? 'result: PASS' : 'result: FAIL');
  return lines.join('\n');
}
