import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { Scenario } from './schema.js';
import { planScenario } from './timeline.js';

const scenario = (over: Record<string, unknown> = {}) =>
  Scenario.parse({
    name: 's',
    duration: '60s',
    steps: [
      { name: 'kill', at: '10s', for: '20s', kill: 'catalog-2' },
      { at: '30s', fault: { target: 'catalog', delay: '1s' } },
    ],
    objectives: [
      { phase: 'run', successRate: 99.9 },
      { phase: 'kill', p99: '1s' },
    ],
    ...over,
  });

describe('planScenario', () => {
  it('orders applies and reverts in time, reverts first at the same instant', () => {
    const plan = planScenario(scenario(), 's.yaml');
    expect(plan.durationMs).toBe(60_000);
    expect(plan.events.map((e) => `${e.atMs} ${e.kind} ${e.step.name}`)).toEqual([
      '10000 apply kill',
      '30000 revert kill',
      '30000 apply 2-fault-catalog',
      '60000 revert 2-fault-catalog',
    ]);
  });
  it('gives a phase for the run and one per step (a step without `for` lasts to the end)', () => {
    expect(planScenario(scenario(), 's.yaml').phases).toEqual([
      { name: 'run', fromMs: 0, toMs: 60_000 },
      { name: 'kill', fromMs: 10_000, toMs: 30_000 },
      { name: '2-fault-catalog', fromMs: 30_000, toMs: 60_000 },
    ]);
  });
  it('adds measured phases without actions, and accepts a p99 relative to one of them', () => {
    const plan = planScenario(
      scenario({
        phases: [
          { name: 'baseline', at: '2s', for: '8s' },
          { name: 'after', at: '40s' },
        ],
        objectives: [{ phase: 'kill', p99: '2x baseline' }],
      }),
      's.yaml',
    );
    expect(plan.phases.slice(3)).toEqual([
      { name: 'baseline', fromMs: 2000, toMs: 10_000 },
      { name: 'after', fromMs: 40_000, toMs: 60_000 },
    ]);
    expect(plan.events).toHaveLength(4); // phases act on nothing
  });
  it('names a policy step after its service', () => {
    const plan = planScenario(
      scenario({
        steps: [{ at: '0s', policy: { service: 'catalog', set: { balancer: 'peak-ewma' } } }],
        objectives: [{ successRate: 99 }],
      }),
      's.yaml',
    );
    expect(plan.steps[0]!.name).toBe('1-policy-catalog');
  });
  it('clips a step that would outlast the run', () => {
    const plan = planScenario(scenario({ steps: [{ name: 'kill', at: '50s', for: '1m', kill: 'x-1' }] }), 's.yaml');
    expect(plan.phases[1]).toEqual({ name: 'kill', fromMs: 50_000, toMs: 60_000 });
  });
  it.each([
    [
      { steps: [{ at: '70s', kill: 'x-1' }], objectives: [{ successRate: 99 }] },
      /s.yaml: steps\[0\].at: 70s is not before the end/,
    ],
    [
      { objectives: [{ phase: 'nope', successRate: 99 }] },
      /objectives\[0\].phase: "nope" is not "run" or a step or phase name/,
    ],
    [{ objectives: [{ phase: 'kill', p99: '2x nope' }] }, /objectives\[0\].p99: "nope" is not "run" or a step/],
    [{ objectives: [{ phase: 'kill', p99: '2x kill' }] }, /objectives\[0\].p99: compares phase "kill" with itself/],
    [{ objectives: [{ phase: 'kill', p99: '0x run' }] }, /objectives\[0\].p99: "0x run": the factor must be above 0/],
    [
      { phases: [{ name: 'kill', at: '1s' }], objectives: [{ successRate: 1 }] },
      /phases\[0\].name: "kill" is already a step or phase name/,
    ],
    [
      { phases: [{ name: 'b', at: '60s' }], objectives: [{ successRate: 1 }] },
      /phases\[0\].at: 60s is not before the end of the run/,
    ],
    [
      { steps: [{ at: 'soon', kill: 'x-1' }], objectives: [{ successRate: 99 }] },
      /steps\[0\].at: "soon" is not a duration/,
    ],
    [{ objectives: [{ p99: 'fast' }] }, /objectives\[0\].p99: "fast" is not a duration/],
    [
      {
        steps: [
          { name: 'a', at: '1s', kill: 'x-1' },
          { name: 'a', at: '2s', kill: 'x-2' },
        ],
        objectives: [{ successRate: 1 }],
      },
      /steps\[1\].name: "a" is used twice/,
    ],
  ])('rejects %j', (over, message) => {
    expect(() => planScenario(scenario(over), 's.yaml')).toThrow(UsageError);
    expect(() => planScenario(scenario(over), 's.yaml')).toThrow(message);
  });
  it('a policy step names a service or the defaults, and sets something', () => {
    const policy = (p: unknown) =>
      Scenario.safeParse({
        name: 's',
        duration: '1m',
        steps: [{ at: '1s', policy: p }],
        objectives: [{ successRate: 1 }],
      }).success;
    expect(policy({ service: 'catalog', set: { balancer: 'peak-ewma' } })).toBe(true);
    expect(policy({ defaults: true, set: { 'accessLog.sampleRate': 0.1 } })).toBe(true);
    expect(policy({ service: 'catalog', defaults: true, set: { balancer: 'random' } })).toBe(false);
    expect(policy({ set: { balancer: 'random' } })).toBe(false);
    expect(policy({ service: 'catalog', set: {} })).toBe(false);
    expect(policy({ defaults: true, version: 'v1', set: { balancer: 'random' } })).toBe(false);
  });
  it('a step needs exactly one action', () => {
    expect(
      Scenario.safeParse({ name: 's', duration: '1m', steps: [{ at: '1s' }], objectives: [{ successRate: 1 }] })
        .success,
    ).toBe(false);
    expect(
      Scenario.safeParse({
        name: 's',
        duration: '1m',
        steps: [{ at: '1s', kill: 'a-1', pause: 'a-1' }],
        objectives: [{ successRate: 1 }],
      }).success,
    ).toBe(false);
  });
});
