import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { OUTCOMES, type Outcome } from './outcome.js';

/** Every client-side metric of the load generator, declared once on an injected registry. */

export type DropReason = 'max_in_flight' | 'behind_schedule';

/**
 * From 1 ms to 10 s: a healthy mesh answers in milliseconds, a faulted one in seconds. Fine between
 * 0.5 and 2.5 s, where chaos objectives bound p99 (per-try timeout 1 s plus backoff) and p99 is
 * interpolated within a bucket as Prometheus does.
 */
export const DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 5, 10,
];

export class LoadgenMetrics {
  readonly requests: Counter<'outcome'>;
  readonly responses: Counter<'code'>;
  readonly duration: Histogram<'outcome'>;
  readonly dropped: Counter<'reason'>;
  readonly targetRate: Gauge;
  readonly inFlight: Gauge;
  readonly maxInFlight: Gauge;
  readonly paused: Gauge;

  constructor(registry: Registry, options: { processMetrics?: boolean } = {}) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'meshdev_client_requests_total',
      help: 'Requests completed by the load generator, by outcome (success, http_error, timeout, connection_error).',
      labelNames: ['outcome'],
      registers,
    });
    this.responses = new Counter({
      name: 'meshdev_client_responses_total',
      help: 'Responses received by the load generator, by HTTP status code.',
      labelNames: ['code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'meshdev_client_request_duration_seconds',
      help: 'Time from sending a request to its complete response (or failure), as the client saw it.',
      labelNames: ['outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.dropped = new Counter({
      name: 'meshdev_client_dropped_total',
      help: 'Scheduled requests not sent: max_in_flight (too many outstanding) or behind_schedule (the generator stalled).',
      labelNames: ['reason'],
      registers,
    });
    this.targetRate = new Gauge({
      name: 'meshdev_client_target_rate',
      help: 'Requests per second the generator is trying to send right now (0 while paused).',
      registers,
    });
    this.inFlight = new Gauge({
      name: 'meshdev_client_in_flight',
      help: 'Requests sent and not yet completed.',
      registers,
    });
    this.maxInFlight = new Gauge({
      name: 'meshdev_client_max_in_flight',
      help: 'Limit on requests in flight; due requests beyond it are dropped.',
      registers,
    });
    this.paused = new Gauge({ name: 'meshdev_client_paused', help: '1 while the generator is paused.', registers });

    // Every series exists from the first scrape, so rates and ratios have data at zero errors.
    for (const o of OUTCOMES) this.requests.labels(o).inc(0);
    for (const r of ['max_in_flight', 'behind_schedule'] satisfies DropReason[]) this.dropped.labels(r).inc(0);
    if (options.processMetrics) collectDefaultMetrics({ register: registry });
  }

  record(outcome: Outcome, seconds: number, status: number | undefined): void {
    this.requests.labels(outcome).inc();
    this.duration.labels(outcome).observe(seconds);
    if (status !== undefined) this.responses.labels(String(status)).inc();
  }
}
