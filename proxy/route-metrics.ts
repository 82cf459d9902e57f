import type { Registry } from 'prom-client';

/**
 * The two per-request metrics (`meshdev_requests_total` and `meshdev_request_duration_seconds`),
 * kept in plain typed arrays and handed to prom-client's registry only when it is scraped.
 *
 * Why not prom-client's Counter/Histogram: even through a pre-bound child (`labels(...)`), every
 * `inc`/`observe` re-hashes the label set into a new string, an allocation and a sort per request on
 * the hottest path of the sidecar. Here a request costs a few array increments; the registry
 * (exposition format, content type, default labels) stays prom-client's.
 */

/** 0 = no response (connect failure, reset, timeout), 1..5 = 1xx..5xx. */
export const STATUS_CLASSES = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

export function statusClassIndex(status: number): number {
  const c = (status / 100) | 0;
  return c >= 1 && c <= 5 ? c : 0;
}

export const DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Index of the first bucket whose upper bound holds `seconds` (DURATION_BUCKETS.length = +Inf). */
export function bucketIndex(seconds: number, buckets: readonly number[] = DURATION_BUCKETS): number {
  let i = 0;
  while (i < buckets.length && seconds > buckets[i]!) i++;
  return i;
}

/** One (direction, upstream) series set: counts, sums and per-bucket counts by status class. */
export class RouteSeries {
  readonly labels: { readonly direction: string; readonly upstream: string };
  readonly counts = new Float64Array(STATUS_CLASSES.length);
  readonly sums = new Float64Array(STATUS_CLASSES.length);
  /** Not cumulative: [class * (buckets + 1) + bucket]; the exposition accumulates. */
  readonly buckets = new Float64Array(STATUS_CLASSES.length * (DURATION_BUCKETS.length + 1));

  constructor(direction: string, upstream: string) {
    this.labels = { direction, upstream };
  }

  record(status: number, seconds: number): void {
    const c = statusClassIndex(status);
    this.counts[c]!++;
    this.sums[c]! += seconds;
    this.buckets[c * (DURATION_BUCKETS.length + 1) + bucketIndex(seconds)]!++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sums.fill(0);
    this.buckets.fill(0);
  }
}

/** Shared by both metric views: the series, created once per listener. */
export class RouteMetricStore {
  private readonly series = new Map<string, RouteSeries>();

  seriesFor(direction: string, upstream: string): RouteSeries {
    const key = `${direction}\0${upstream}`;
    let s = this.series.get(key);
    if (s === undefined) {
      s = new RouteSeries(direction, upstream);
      this.series.set(key, s);
    }
    return s;
  }

  all(): IterableIterator<RouteSeries> {
    return this.series.values();
  }

  reset(): void {
    for (const s of this.series.values()) s.reset();
  }
}

const LABEL_NAMES = ['direction', 'upstream', 'status_class'] as const;

interface ScrapedValue {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}
/** The shape prom-client's Registry formats (what its own metrics' `get()` returns). */
interface Scraped {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: ScrapedValue[];
}

type Labels = Readonly<Record<string, string>>;

/**
 * One of the two metrics as prom-client's Registry sees it (it calls `get()`/`reset()` and reads
 * name/help/type/aggregator): every (series, status class) that saw a request, expanded by `valuesOf`.
 */
class ScrapedMetric {
  readonly labelNames = LABEL_NAMES;
  readonly aggregator = 'sum';
  constructor(
    private readonly store: RouteMetricStore,
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    private readonly valuesOf: (s: RouteSeries, c: number, labels: Labels, out: ScrapedValue[]) => void,
  ) {}

  get(): Promise<Scraped> {
    const values: ScrapedValue[] = [];
    for (const s of this.store.all()) {
      for (let c = 0; c < STATUS_CLASSES.length; c++) {
        if (s.counts[c] !== 0) this.valuesOf(s, c, { ...s.labels, status_class: STATUS_CLASSES[c]! }, values);
      }
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: 'sum', values });
  }

  reset(): void {
    this.store.reset();
  }
}

const REQUESTS = 'meshdev_requests_total';
const DURATION = 'meshdev_request_duration_seconds';

/** Registers both metrics on `registry` and returns the store the data path records into. */
export function registerRouteMetrics(registry: Registry): RouteMetricStore {
  const store = new RouteMetricStore();
  const requests = new ScrapedMetric(
    store,
    REQUESTS,
    'HTTP requests handled by the sidecar, by direction, upstream and response status class.',
    'counter',
    (s, c, labels, out) => out.push({ labels, value: s.counts[c]! }),
  );
  const width = DURATION_BUCKETS.length + 1;
  const duration = new ScrapedMetric(
    store,
    DURATION,
    'Time from request received until the response was complete (or failed), in seconds.',
    'histogram',
    (s, c, labels, out) => {
      let cumulative = 0;
      for (let b = 0; b < width; b++) {
        cumulative += s.buckets[c * width + b]!;
        const le = b < DURATION_BUCKETS.length ? DURATION_BUCKETS[b]! : '+Inf';
        out.push({ metricName: `${DURATION}_bucket`, labels: { le, ...labels }, value: cumulative });
      }
      out.push({ metricName: `${DURATION}_sum`, labels, value: s.sums[c]! });
      out.push({ metricName: `${DURATION}_count`, labels, value: s.counts[c]! });
    },
  );
  registry.registerMetric(requests as never);
  registry.registerMetric(duration as never);
  return store;
}
