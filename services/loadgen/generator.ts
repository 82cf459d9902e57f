import { Agent, request, type Dispatcher } from 'undici';
import type { LoadgenMetrics } from './metrics.js';
import { errorCode, outcomeOfError, outcomeOfStatus, OUTCOMES, type Outcome } from './outcome.js';
import { RecentWindow, type RecentSummary } from './recent.js';
import { createSchedule, delayUntilDue, pause, resume, tick, withRate, type Schedule } from './schedule.js';

/**
 * The load generator's I/O shell around the pure schedule: wakes when the next send is due,
 * fires what `tick` says, and records how each request ended in the metrics, the totals and the
 * recent window. Requests go through one keep-alive pool sized to the in-flight limit.
 */

export interface LoadgenSettings {
  readonly targetUrl: string;
  readonly rate: number;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  /** Due sends older than this are dropped as behind_schedule instead of sent in a burst. */
  readonly maxLagMs: number;
  readonly startPaused: boolean;
}

/** Monotonic milliseconds. */
export type Now = () => number;

export interface LoadgenState {
  readonly target: string;
  readonly rate: number;
  readonly paused: boolean;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  readonly inFlight: number;
  readonly uptimeSeconds: number;
  readonly totals: {
    readonly sent: number;
    readonly completed: number;
    readonly outcomes: Record<Outcome, number>;
    readonly dropped: { readonly max_in_flight: number; readonly behind_schedule: number };
    /** Response counts by HTTP status code. */
    readonly statusCodes: Record<string, number>;
  };
  readonly recent: RecentSummary;
  /** The last request that did not succeed, to tell a user why. */
  readonly lastFailure: { readonly outcome: Outcome; readonly detail: string; readonly secondsAgo: number } | null;
}

export class LoadGenerator {
  private schedule: Schedule;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private stopped = false;
  private sent = 0;
  private readonly outcomes: Record<Outcome, number> = { success: 0, http_error: 0, timeout: 0, connection_error: 0 };
  private readonly dropped = { max_in_flight: 0, behind_schedule: 0 };
  private readonly statusCodes: Record<string, number> = {};
  private readonly recent = new RecentWindow(10);
  private lastFailure: { outcome: Outcome; detail: string; at: number } | undefined;
  private readonly startedAt: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly settings: LoadgenSettings,
    private readonly metrics: LoadgenMetrics,
    private readonly now: Now = () => performance.now(),
    dispatcher?: Dispatcher,
  ) {
    this.startedAt = now();
    this.schedule = createSchedule(settings.rate, this.startedAt, settings.startPaused);
    this.ownsDispatcher = dispatcher === undefined;
    this.dispatcher =
      dispatcher ?? new Agent({ connections: settings.maxInFlight, keepAliveTimeout: 10_000, pipelining: 1 });
    metrics.maxInFlight.set(settings.maxInFlight);
    this.publishSchedule();
  }

  start(): void {
    this.wake();
  }

  setRate(rate: number): void {
    this.schedule = withRate(this.schedule, rate, this.now());
    this.publishSchedule();
    this.rearm();
  }

  pause(): void {
    this.schedule = pause(this.schedule);
    this.publishSchedule();
    this.rearm();
  }

  resume(): void {
    if (!this.schedule.paused) return;
    this.schedule = resume(this.schedule, this.now());
    this.publishSchedule();
    this.rearm();
  }

  /** Stops scheduling and waits up to `graceMs` for requests in flight. */
  async stop(graceMs = 1000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
    }
    if (this.ownsDispatcher) await this.dispatcher.destroy();
  }

  state(): LoadgenState {
    const now = this.now();
    return {
      target: this.settings.targetUrl,
      rate: this.schedule.rate,
      paused: this.schedule.paused,
      timeoutMs: this.settings.timeoutMs,
      maxInFlight: this.settings.maxInFlight,
      inFlight: this.inFlight,
      uptimeSeconds: Math.round((now - this.startedAt) / 100) / 10,
      totals: {
        sent: this.sent,
        completed: OUTCOMES.reduce((n, o) => n + this.outcomes[o], 0),
        outcomes: { ...this.outcomes },
        dropped: { ...this.dropped },
        statusCodes: { ...this.statusCodes },
      },
      recent: this.recent.summary(now, this.startedAt),
      lastFailure: this.lastFailure
        ? {
            outcome: this.lastFailure.outcome,
            detail: this.lastFailure.detail,
            secondsAgo: Math.round((now - this.lastFailure.at) / 100) / 10,
          }
        : null,
    };
  }

  private publishSchedule(): void {
    this.metrics.targetRate.set(this.schedule.paused ? 0 : this.schedule.rate);
    this.metrics.paused.set(this.schedule.paused ? 1 : 0);
  }

  private rearm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.wake();
  }

  private wake(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const result = tick(this.schedule, this.now(), this.settings.maxInFlight - this.inFlight, this.settings.maxLagMs);
    this.schedule = result.schedule;
    if (result.droppedInFlight > 0) {
      this.dropped.max_in_flight += result.droppedInFlight;
      this.metrics.dropped.labels('max_in_flight').inc(result.droppedInFlight);
    }
    if (result.droppedLate > 0) {
      this.dropped.behind_schedule += result.droppedLate;
      this.metrics.dropped.labels('behind_schedule').inc(result.droppedLate);
    }
    for (let i = 0; i < result.send; i++) void this.fire();
    const delay = delayUntilDue(this.schedule, this.now());
    if (delay !== undefined) this.timer = setTimeout(() => this.wake(), delay);
  }

  private async fire(): Promise<void> {
    this.sent++;
    this.inFlight++;
    this.metrics.inFlight.set(this.inFlight);
    const started = this.now();
    const signal = AbortSignal.timeout(this.settings.timeoutMs);
    let outcome: Outcome;
    let status: number | undefined;
    let detail = '';
    try {
      const res = await request(this.settings.targetUrl, {
        method: 'GET',
        dispatcher: this.dispatcher,
        signal,
        headers: {
          'user-agent': 'meshdev-loadgen',
          'x-request-id': `loadgen-${this.sent}`,
          accept: 'application/json',
        },
      });
      status = res.statusCode;
      const body = await res.body.text();
      outcome = outcomeOfStatus(status);
      if (outcome !== 'success') detail = `HTTP ${status}: ${body.slice(0, 300)}`;
    } catch (err) {
      outcome = outcomeOfError(err, signal.aborted);
      detail =
        outcome === 'timeout' && signal.aborted
          ? `no complete response within ${this.settings.timeoutMs} ms`
          : `${errorCode(err) ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`;
    }
    const finished = this.now();
    this.inFlight--;
    this.metrics.inFlight.set(this.inFlight);
    this.metrics.record(outcome, (finished - started) / 1000, status);
    this.outcomes[outcome]++;
    if (status !== undefined) this.statusCodes[status] = (this.statusCodes[status] ?? 0) + 1;
    this.recent.record(finished, outcome, finished - started);
    if (outcome !== 'success') this.lastFailure = { outcome, detail, at: finished };
    if (this.inFlight === 0 && this.idleWaiters.length > 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }
}
