import { parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { parseLatencyBound } from './objectives.js';
import type { ChaosStep, Objective, Scenario } from './schema.js';
import { MAX_FAULT_TTL_MS } from '../../proxy/schema/faults.js';

/** A run's faults last until its end (plus a margin), and a fault lasts at most MAX_FAULT_TTL_MS. */
const MAX_SCENARIO_MS = MAX_FAULT_TTL_MS - 60_000;

/** One step with its times resolved: applied at `atMs`, reverted at `untilMs` (ms from the start). */
export interface TimedStep {
  readonly name: string;
  readonly index: number;
  readonly atMs: number;
  readonly untilMs: number;
  readonly step: ChaosStep;
}

export interface TimelineEvent {
  readonly atMs: number;
  readonly kind: 'apply' | 'revert';
  readonly step: TimedStep;
}

export interface Phase {
  readonly name: string;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface Plan {
  readonly durationMs: number;
  readonly steps: readonly TimedStep[];
  /** Applies and reverts in time order (at the same instant: reverts first, then applies). */
  readonly events: readonly TimelineEvent[];
  /** `run`, one per step, and the scenario's own measured phases. */
  readonly phases: readonly Phase[];
}

function stepKind(s: ChaosStep): string {
  if (s.fault !== undefined) return `fault-${s.fault.target}`;
  if (s.partition !== undefined) return `partition-${s.partition.join('-')}`;
  if (s.policy !== undefined) return `policy-${s.policy.service ?? 'defaults'}`;
  for (const k of ['kill', 'stop', 'pause', 'restart'] as const) if (s[k] !== undefined) return `${k}-${s[k]}`;
  return 'step';
}

/**
 * Resolves a scenario into a plan (pure): times parsed and checked against the duration, step names
 * unique, every objective's phase known. Errors name the file and the field.
 */
export function planScenario(s: Scenario, source: string): Plan {
  const durationMs = parseDuration(s.duration, `${source}: duration`, { min: 1000, max: MAX_SCENARIO_MS });
  const steps: TimedStep[] = s.steps.map((step, index) => {
    const where = `${source}: steps[${index}]`;
    const atMs = parseDuration(step.at, `${where}.at`);
    const forMs = step.for === undefined ? undefined : parseDuration(step.for, `${where}.for`, { min: 1 });
    if (atMs >= durationMs)
      throw new UsageError(`${where}.at: ${step.at} is not before the end of the run (${s.duration})`);
    const untilMs = Math.min(durationMs, forMs === undefined ? durationMs : atMs + forMs);
    return { name: step.name ?? `${index + 1}-${stepKind(step)}`, index, atMs, untilMs, step };
  });
  const seen = new Set<string>(['run']);
  for (const t of steps) {
    if (seen.has(t.name))
      throw new UsageError(`${source}: steps[${t.index}].name: "${t.name}" is used twice (or is "run")`);
    seen.add(t.name);
  }
  const extraPhases: Phase[] = s.phases.map((ph, i) => {
    const where = `${source}: phases[${i}]`;
    if (seen.has(ph.name)) throw new UsageError(`${where}.name: "${ph.name}" is already a step or phase name`);
    seen.add(ph.name);
    const fromMs = parseDuration(ph.at, `${where}.at`);
    if (fromMs >= durationMs)
      throw new UsageError(`${where}.at: ${ph.at} is not before the end of the run (${s.duration})`);
    const toMs =
      ph.for === undefined
        ? durationMs
        : Math.min(durationMs, fromMs + parseDuration(ph.for, `${where}.for`, { min: 1 }));
    return { name: ph.name, fromMs, toMs };
  });
  const known = () => `"run" or a step or phase name (${[...seen].join(', ')})`;
  s.objectives.forEach((o: Objective, i) => {
    if (!seen.has(o.phase)) throw new UsageError(`${source}: objectives[${i}].phase: "${o.phase}" is not ${known()}`);
    if (o.p99 === undefined) return;
    const bound = parseLatencyBound(o.p99, `${source}: objectives[${i}].p99`);
    if (bound.kind === 'relative') {
      if (!seen.has(bound.phase))
        throw new UsageError(`${source}: objectives[${i}].p99: "${bound.phase}" is not ${known()}`);
      if (bound.phase === o.phase)
        throw new UsageError(`${source}: objectives[${i}].p99: compares phase "${o.phase}" with itself`);
    }
  });
  const events: TimelineEvent[] = [];
  for (const t of steps) {
    events.push({ atMs: t.atMs, kind: 'apply', step: t });
    events.push({ atMs: t.untilMs, kind: 'revert', step: t });
  }
  events.sort(
    (a, b) => a.atMs - b.atMs || (a.kind === b.kind ? a.step.index - b.step.index : a.kind === 'revert' ? -1 : 1),
  );
  const phases: Phase[] = [
    { name: 'run', fromMs: 0, toMs: durationMs },
    ...steps.map((t) => ({ name: t.name, fromMs: t.atMs, toMs: t.untilMs })),
    ...extraPhases,
  ];
  return { durationMs, steps, events, phases };
}
