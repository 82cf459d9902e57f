import type { ProjectContainer } from '../../runtime/docker.js';
import type { ClientStats, InstanceContainers, RequestStats } from '../state/types.js';
import { NO_STATS } from '../state/types.js';

/**
 * Pure translations from what the sources answer into the UI's snapshot shapes, kept apart from
 * the I/O so they are tested without Docker, Prometheus or sidecars.
 */

/** App and sidecar container state per instance id; instances without containers are `missing`. */
export function containersByInstance(
  instances: readonly string[],
  containers: readonly ProjectContainer[],
): Record<string, InstanceContainers> {
  const out: Record<string, InstanceContainers> = {};
  for (const id of instances) out[id] = { app: 'missing', sidecar: 'missing' };
  for (const c of containers) {
    if (c.instance === undefined || (c.role !== 'app' && c.role !== 'sidecar')) continue;
    const cur = out[c.instance] ?? { app: 'missing', sidecar: 'missing' };
    out[c.instance] = c.role === 'app' ? { ...cur, app: c.state } : { ...cur, sidecar: c.state };
  }
  return out;
}

/** One sample of a Prometheus instant vector: its labels and value (NaN for no data). */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export function parseVector(body: unknown): Sample[] {
  const data = (body as { data?: { result?: Array<{ metric?: Record<string, string>; value?: [number, string] }> } })
    ?.data;
  return (data?.result ?? []).map((r) => ({ labels: r.metric ?? {}, value: Number(r.value?.[1]) }));
}

function finite(v: number | undefined): number | undefined {
  return v === undefined || !Number.isFinite(v) ? undefined : v;
}

function byLabel(samples: readonly Sample[], label: string): Map<string, number> {
  return new Map(samples.filter((s) => s.labels[label] !== undefined).map((s) => [s.labels[label]!, s.value]));
}

/** The instant queries the UI runs every refresh; `W` is the rate window. */
export function metricQueries(windowSeconds: number) {
  const w = `[${windowSeconds}s]`;
  const inbound = 'direction="inbound",role="sidecar"';
  const ok = `${inbound},status_class!~"5xx|none"`;
  return {
    serviceRps: `sum by (service) (rate(meshdev_requests_total{${inbound}}${w}))`,
    serviceOk: `sum by (service) (rate(meshdev_requests_total{${ok}}${w}))`,
    serviceP50: `histogram_quantile(0.5, sum by (service, le) (rate(meshdev_request_duration_seconds_bucket{${inbound}}${w})))`,
    serviceP99: `histogram_quantile(0.99, sum by (service, le) (rate(meshdev_request_duration_seconds_bucket{${inbound}}${w})))`,
    instanceRps: `sum by (instance) (rate(meshdev_requests_total{${inbound}}${w}))`,
    instanceOk: `sum by (instance) (rate(meshdev_requests_total{${ok}}${w}))`,
    clientRps: `sum(rate(meshdev_client_requests_total${w}))`,
    clientOk: `sum(rate(meshdev_client_requests_total{outcome="success"}${w}))`,
    clientP50: `histogram_quantile(0.5, sum by (le) (rate(meshdev_client_request_duration_seconds_bucket${w})))`,
    clientP99: `histogram_quantile(0.99, sum by (le) (rate(meshdev_client_request_duration_seconds_bucket${w})))`,
    clientTarget: 'sum(meshdev_client_target_rate)',
    clientPaused: 'max(meshdev_client_paused)',
  } as const;
}

export type MetricResults = { readonly [K in keyof ReturnType<typeof metricQueries>]: readonly Sample[] };

/** The label that tells the answers of `combinedQuery` apart. */
const QUERY_LABEL = '__meshdev_query';

/**
 * All the queries as one: each result tagged with its query's name (`label_replace`) and joined
 * with `or` (no two tagged series share a label set, so `or` keeps them all). One HTTP round trip
 * and one JSON parse per refresh instead of twelve.
 */
export function combinedQuery(queries: Readonly<Record<string, string>>): string {
  return Object.entries(queries)
    .map(([name, expr]) => `label_replace(${expr}, "${QUERY_LABEL}", "${name}", "", "")`)
    .join(' or ');
}

/** Splits the answer of `combinedQuery` back into one vector per query, without the tag. */
export function splitCombined(queries: Readonly<Record<string, string>>, samples: readonly Sample[]): MetricResults {
  const out: Record<string, Sample[]> = Object.fromEntries(Object.keys(queries).map((k) => [k, []]));
  for (const s of samples) {
    const { [QUERY_LABEL]: name, ...labels } = s.labels;
    if (name !== undefined) out[name]?.push({ labels, value: s.value });
  }
  return out as unknown as MetricResults;
}

/** Success ratio, undefined when there was no traffic (0/0 is "no data", not "all failed"). */
function ratio(ok: number | undefined, all: number | undefined): number | undefined {
  if (all === undefined || ok === undefined || !(all > 0)) return undefined;
  return Math.min(1, ok / all);
}

export function statsFromResults(r: MetricResults): {
  services: Record<string, RequestStats>;
  instances: Record<string, RequestStats>;
  client: ClientStats | undefined;
} {
  const services: Record<string, RequestStats> = {};
  const rps = byLabel(r.serviceRps, 'service');
  const ok = byLabel(r.serviceOk, 'service');
  const p50 = byLabel(r.serviceP50, 'service');
  const p99 = byLabel(r.serviceP99, 'service');
  for (const [svc, v] of rps) {
    services[svc] = {
      rps: finite(v),
      success: ratio(ok.get(svc) ?? 0, v),
      p50Ms: finite((p50.get(svc) ?? NaN) * 1000),
      p99Ms: finite((p99.get(svc) ?? NaN) * 1000),
    };
  }
  const instances: Record<string, RequestStats> = {};
  const irps = byLabel(r.instanceRps, 'instance');
  const iok = byLabel(r.instanceOk, 'instance');
  for (const [id, v] of irps) instances[id] = { ...NO_STATS, rps: finite(v), success: ratio(iok.get(id) ?? 0, v) };

  const one = (s: readonly Sample[]) => finite(s[0]?.value);
  const target = one(r.clientTarget);
  const client: ClientStats | undefined =
    r.clientRps.length === 0 && target === undefined
      ? undefined
      : {
          rps: one(r.clientRps),
          success: ratio(one(r.clientOk) ?? 0, one(r.clientRps)),
          p50Ms: finite((one(r.clientP50) ?? NaN) * 1000),
          p99Ms: finite((one(r.clientP99) ?? NaN) * 1000),
          targetRate: target,
          paused: r.clientPaused.length === 0 ? undefined : one(r.clientPaused) === 1,
        };
  return { services, instances, client };
}

/** Docker event -> (subject, action) for the log; undefined for events the UI does not show. */
export function describeDockerEvent(ev: {
  Type?: string;
  Action?: string;
  status?: string;
  Actor?: { Attributes?: Record<string, string> };
}): { subject: string; action: string } | undefined {
  if (ev.Type !== undefined && ev.Type !== 'container') return undefined;
  const action = ev.Action ?? ev.status ?? '';
  if (!/^(start|die|kill|stop|pause|unpause|restart|oom|health_status)/.test(action)) return undefined;
  const a = ev.Actor?.Attributes ?? {};
  const role = a['dev.meshdev.role'];
  const instance = a['dev.meshdev.instance'];
  const subject =
    instance !== undefined
      ? role === 'sidecar'
        ? `${instance} sidecar`
        : instance
      : (a['com.docker.compose.service'] ?? a.name ?? '?');
  return { subject, action: action.replace(/^health_status: /, 'health: ').replace(/^kill$/, 'killed') };
}

/**
 * The refusals worth a log line: a proxy's `/endpoints` refused now and not for the same reason
 * last round (`before` and `now` by caller). The same refusal every second is said once.
 */
export function newRefusals(before: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [caller, why] of now) if (before.get(caller) !== why) out.push(why);
  return out;
}
