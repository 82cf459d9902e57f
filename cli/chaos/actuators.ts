import { request } from 'undici';
import type { MeshControl } from '../control/index.js';
import { FAULT_BOUNDS, describeContainerResult } from '../control/index.js';
import { describeFault, describePartition } from '../control/describe.js';
import { applyPolicyStep, revertPolicyStep } from './policy-step.js';
import { MeshdevError } from '../errors.js';
import type { ClientSnapshot } from './objectives.js';
import type { ChaosActuators, ClientMetrics } from './run.js';
import type { TimedStep } from './timeline.js';
import { meshdevCommand } from '../invocation.js';
import { PARTITION_STEP_NAMING, faultSpecOfStep, faultStepNaming, partitionSpecOfStep } from './fault-step.js';

/** A container step stops with this grace: a step's window is seconds long, a graceful stop must fit in it. */
const STEP_STOP_TIMEOUT_MS = 5000;

/**
 * The real edges of `meshdev chaos run`, all through the mesh's control: faults and partitions go
 * to Consul KV with a TTL just past the end of the run (a runner that dies leaves nothing behind
 * for long), policy steps go to the live config (no TTL there: the runner writes the previous
 * document back), container steps and the load rate go to Docker, and what clients saw is read
 * from Prometheus (which scrapes the load generator).
 */
export function meshActuators(control: MeshControl, runId: string): ChaosActuators {
  const ids = new Map<TimedStep, string>();
  const previousPolicies = new Map<TimedStep, Record<string, unknown>>();
  // Faults outlive the run by a margin (the runner removes them), within what a fault may last.
  const ttlMs = (remainingMs: number) =>
    Math.min(FAULT_BOUNDS.ttlMs.max, Math.max(1000, Math.ceil((remainingMs + 30_000) / 1000) * 1000));
  return {
    async apply(t, remainingMs) {
      const s = t.step;
      const id = `chaos-${runId}-${t.index}`;
      if (s.fault !== undefined) {
        const doc = await control.addFault(
          { ...faultSpecOfStep(s.fault), ttlMs: ttlMs(remainingMs), id },
          { naming: faultStepNaming(s.fault), createdBy: `meshdev chaos run (${runId})` },
        );
        ids.set(t, doc.id);
        return `fault ${doc.id}: ${describeFault(doc)}`;
      }
      if (s.partition !== undefined) {
        const doc = await control.partition(
          { ...partitionSpecOfStep(s.partition), ttlMs: ttlMs(remainingMs), id },
          { naming: PARTITION_STEP_NAMING },
        );
        ids.set(t, doc.id);
        return `partition ${doc.id}: ${describePartition(doc)}`;
      }
      if (s.policy !== undefined) {
        const { previous, detail } = await applyPolicyStep(control, s.policy);
        previousPolicies.set(t, previous);
        return detail;
      }
      const action =
        s.kill !== undefined ? 'kill' : s.stop !== undefined ? 'stop' : s.pause !== undefined ? 'pause' : 'restart';
      const instance = (s.kill ?? s.stop ?? s.pause ?? s.restart)!;
      return describeContainerResult(
        await control.container(action, instance, { stopTimeoutMs: STEP_STOP_TIMEOUT_MS }),
      );
    },
    setLoadRate: (rate) => control.setTrafficRate(rate),
    async revert(t) {
      const s = t.step;
      const id = ids.get(t);
      if (s.fault !== undefined && id !== undefined) {
        await control.removeFault(id);
        return `removed fault ${id}`;
      }
      if (s.partition !== undefined && id !== undefined) {
        await control.removePartition(id);
        return `healed ${id}`;
      }
      const previous = previousPolicies.get(t);
      if (s.policy !== undefined && previous !== undefined) {
        const detail = await revertPolicyStep(control, s.policy, previous);
        previousPolicies.delete(t);
        return detail;
      }
      if (s.restart !== undefined) return 'nothing to revert';
      const instance = (s.kill ?? s.stop ?? s.pause)!;
      return describeContainerResult(await control.container(s.pause !== undefined ? 'unpause' : 'start', instance));
    },
  };
}

/** Client counters at a past instant, from Prometheus' HTTP API (instant queries with `time=`). */
export function prometheusClientMetrics(prometheusUrl: string, settleMs = 6000): ClientMetrics {
  const query = async (promql: string, atMs: number) => {
    const url = `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}&time=${(atMs / 1000).toFixed(3)}`;
    let res;
    try {
      res = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
    } catch (err) {
      throw new MeshdevError(
        'EPROMETHEUS',
        `Prometheus at ${prometheusUrl} did not answer: ${(err as Error).message}`,
        {
          fix: `Is the mesh up (\`${meshdevCommand('status')}\`)? Objectives are measured from the load generator through Prometheus.`,
        },
      );
    }
    const body = (await res.body.json()) as {
      status: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      error?: string;
    };
    if (body.status !== 'success')
      throw new MeshdevError('EPROMETHEUS', `Prometheus query failed: ${body.error ?? res.statusCode}`);
    return body.data!.result;
  };
  return {
    settleMs,
    async snapshotAt(atMs: number): Promise<ClientSnapshot> {
      const [outcomes, buckets] = await Promise.all([
        query('sum by (outcome) (meshdev_client_requests_total)', atMs),
        query('sum by (le) (meshdev_client_request_duration_seconds_bucket)', atMs),
      ]);
      return {
        outcomes: Object.fromEntries(outcomes.map((r) => [r.metric.outcome ?? 'unknown', Number(r.value[1])])),
        buckets: buckets
          .map((r) => ({ le: r.metric.le === '+Inf' ? Infinity : Number(r.metric.le), count: Number(r.value[1]) }))
          .sort((a, b) => a.le - b.le),
      };
    },
  };
}
