import { describe, expect, it } from 'vitest';
import type { ClientSnapshot } from './objectives.js';
import type { ChaosActuators, ClientMetrics, RunEnv } from './run.js';
import { formatReport, runScenario } from './run.js';
import { Scenario } from './schema.js';
import { planScenario } from './timeline.js';

/** Virtual time: sleeping advances the clock; clients send 10 req/s, failing while `failing` is set. */
function world(opts: { failApply?: string } = {}) {
  let now = 1_000_000;
  const calls: string[] = [];
  let failing = false;
  const history: { t: number; snap: ClientSnapshot }[] = [];
  let ok = 0;
  let bad = 0;
  const tick = (to: number) => {
    while (now < to) {
      now += 100;
      if (failing) bad++;
      else ok++;
      history.push({
        t: now,
        snap: {
          outcomes: { success: ok, http_error: bad },
          buckets: [
            { le: 0.1, count: ok + bad },
            { le: Infinity, count: ok + bad },
          ],
        },
      });
    }
  };
  const env: RunEnv = { now: () => now, sleep: async (ms) => tick(now + ms) };
  const actuators: ChaosActuators = {
    async apply(step) {
      calls.push(`apply ${step.name}`);
      if (step.name === opts.failApply) throw new Error('docker said no');
      failing = true;
      return 'done';
    },
    async revert(step) {
      calls.push(`revert ${step.name}`);
      failing = false;
      return 'undone';
    },
  };
  const metrics: ClientMetrics = {
    settleMs: 1000,
    async snapshotAt(at) {
      const last = [...history].reverse().find((h) => h.t <= at);
      return last?.snap ?? { outcomes: {}, buckets: [] };
    },
  };
  return { env, actuators, metrics, calls };
}

const scenario = Scenario.parse({
  name: 's',
  duration: '30s',
  steps: [
    { name: 'bad', at: '10s', for: '5s', kill: 'catalog-2' },
    { name: 'later', at: '20s', for: '1s', pause: 'catalog-3' },
  ],
  objectives: [
    { phase: 'run', successRate: 99.9 },
    { phase: 'later', successRate: 0, minRequests: 5 },
  ],
});

describe('runScenario', () => {
  it('plays the timeline in order and measures each phase from the counters', async () => {
    const w = world();
    const report = await runScenario(scenario, planScenario(scenario, 's.yaml'), w);
    expect(w.calls).toEqual(['apply bad', 'revert bad', 'apply later', 'revert later']);
    expect(report.phases.run).toMatchObject({ requests: 300, successes: 240 });
    expect(report.phases.bad).toMatchObject({ requests: 50, successes: 0 });
    expect(report.ok).toBe(false);
    expect(report.objectives[0]).toMatchObject({ phase: 'run', metric: 'successRate', ok: false });
    expect(report.objectives[0]!.detail).toBe(
      'success 80% < 99.9%: missed by 19.9% (60 of 300 failed, at most 0 allowed)',
    );
    expect(formatReport(report)).toMatch(/FAIL run successRate: success 80% < 99.9%/);
  });

  it('stops at a step that cannot be applied and still reverts what it applied', async () => {
    const w = world({ failApply: 'later' });
    const report = await runScenario(scenario, planScenario(scenario, 's.yaml'), w);
    expect(w.calls).toEqual(['apply bad', 'revert bad', 'apply later']);
    expect(report.aborted).toBe('step later could not be applied: docker said no');
    expect(report.ok).toBe(false);
  });

  it('reverts applied steps when interrupted', async () => {
    const w = world();
    const abort = new AbortController();
    const env: RunEnv = {
      now: w.env.now,
      sleep: async (ms, signal) => {
        await w.env.sleep(ms);
        if (w.calls.length === 1) abort.abort();
        void signal;
      },
    };
    const report = await runScenario(scenario, planScenario(scenario, 's.yaml'), { ...w, env, signal: abort.signal });
    expect(w.calls).toEqual(['apply bad', 'revert bad']);
    expect(report.aborted).toBe('interrupted');
  });

  it("sets the scenario's load rate before the timeline and restores the previous one after, even when a step fails", async () => {
    for (const failApply of [undefined, 'bad']) {
      const w = world(failApply === undefined ? {} : { failApply });
      const withRate = Scenario.parse({ ...scenario, duration: '30s', rate: 50 });
      const actuators: ChaosActuators = {
        ...w.actuators,
        async setLoadRate(rate) {
          w.calls.push(`rate ${rate}`);
          return 20;
        },
      };
      await runScenario(withRate, planScenario(withRate, 's.yaml'), { ...w, actuators });
      expect(w.calls[0]).toBe('rate 50');
      expect(w.calls.at(-1)).toBe('rate 20');
    }
  });
});
