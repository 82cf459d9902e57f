import type Docker from 'dockerode';
import { request } from 'undici';
import type { ResolvedMesh } from '../mesh/model.js';
import { buildFault, buildPartition } from '../faults/build.js';
import { describeContainerResult, runContainerAction } from '../faults/containers.js';
import { describeFault, describePartition } from '../faults/format.js';
import type { FaultStore } from '../faults/store.js';
import type { PolicyStore } from '../../proxy/config-store.js';
import { MAX_FAULT_TTL_MS } from '../../proxy/schema/faults.js';
import { applyPolicyStep, revertPolicyStep } from './policy-step.js';
import { MeshdevError } from '../errors.js';
import { loadgenRequest } from '../runtime/loadgen.js';
import { durationText } from '../duration.js';
import type { ClientSnapshot } from './objectives.js';
import type { ChaosActuators, ClientMetrics } from './run.js';
import type { TimedStep } from './timeline.js';
import { meshdevCommand } from '../invocation.js';

/**
 * The real edges of `meshdev chaos run`: faults and partitions go to Consul KV with a TTL just past
 * the end of the run (a runner that dies leaves nothing behind for long), policy steps go to the
 * live config in KV (no TTL there: the runner writes the previous document back), container steps
 * go to Docker, and what clients saw is read from Prometheus (which scrapes the load generator).
 */
export function meshActuators(
  mesh: ResolvedMesh,
  stores: { faults: FaultStore; policies: PolicyStore },
  docker: Docker,
  runId: string,
): ChaosActuators {
  const store = stores.faults;
  const ids = new Map<TimedStep, string>();
  const previousPolicies = new Map<TimedStep, Record<string, unknown>>();
  // Faults outlive the run by a margin (the runner removes them), within what a fault may last.
  const ttl = (remainingMs: number) =>
    durationText(Math.min(MAX_FAULT_TTL_MS, Math.max(1000, Math.ceil((remainingMs + 30_000) / 1000) * 1000)));
  return {
    async apply(t, remainingMs) {
      const s = t.step;
      if (s.fault !== undefined) {
        const { target, abort, percent, ...rest } = s.fault;
        const doc = buildFault(
          target,
          {
            ...rest,
            ...(abort === undefined ? {} : { abort: String(abort) }),
            ...(percent === undefined ? {} : { percent: String(percent) }),
            ttl: ttl(remainingMs),
            id: `chaos-${runId}-${t.index}`,
          },
          mesh,
          new Date(),
        );
        await store.addFault({ ...doc, createdBy: `meshdev chaos run (${runId})` });
        ids.set(t, doc.id);
        return `fault ${doc.id}: ${describeFault(doc)}`;
      }
      if (s.partition !== undefined) {
        const doc = buildPartition(
          s.partition[0],
          s.partition[1],
          { ttl: ttl(remainingMs), id: `chaos-${runId}-${t.index}` },
          mesh,
          new Date(),
        );
        await store.addPartition(doc);
        ids.set(t, doc.id);
        return `partition ${doc.id}: ${describePartition(doc)}`;
      }
      if (s.policy !== undefined) {
        const { previous, detail } = await applyPolicyStep(stores.policies, s.policy);
        previousPolicies.set(t, previous);
        return detail;
      }
      const action =
        s.kill !== undefined ? 'kill' : s.stop !== undefined ? 'stop' : s.pause !== undefined ? 'pause' : 'restart';
      const instance = (s.kill ?? s.stop ?? s.pause ?? s.restart)!;
      return describeContainerResult(await runContainerAction(docker, mesh, instance, action, { timeoutSeconds: 5 }));
    },
    setLoadRate: (rate) => setLoadgenRate(docker, mesh, rate),
    async revert(t) {
      const s = t.step;
      const id = ids.get(t);
      if (s.fault !== undefined && id !== undefined) {
        await store.removeFault(id);
        return `removed fault ${id}`;
      }
      if (s.partition !== undefined && id !== undefined) {
        await store.removePartition(id);
        return `healed ${id}`;
      }
      const previous = previousPolicies.get(t);
      if (s.policy !== undefined && previous !== undefined) {
        const detail = await revertPolicyStep(stores.policies, s.policy, previous);
        previousPolicies.delete(t);
        return detail;
      }
      if (s.restart !== undefined) return 'nothing to revert';
      const instance = (s.kill ?? s.stop ?? s.pause)!;
      const action = s.pause !== undefined ? 'unpause' : 'start';
      return describeContainerResult(await runContainerAction(docker, mesh, instance, action));
    },
  };
}

/** Sets the load generator's rate through its control API; returns the rate it had before. */
async function setLoadgenRate(docker: Docker, mesh: ResolvedMesh, rate: number): Promise<number> {
  const state = (await loadgenRequest(docker, mesh.project, 'GET', '/state')) as { rate: number };
  await loadgenRequest(docker, mesh.project, 'PUT', '/rate', { rate });
  return state.rate;
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
