/**
 * Open-loop request scheduling as a pure function of the clock.
 *
 * Sends are due at fixed times (every 1000/rate ms) whatever happens to earlier requests: a slow
 * target does not slow the generator down (closed-loop generators do, and then under-report
 * latency exactly when it matters; "coordinated omission"). What cannot be sent is counted,
 * never silently skipped:
 *   - a due send with no free in-flight slot is dropped as `max_in_flight`;
 *   - sends more than `maxLagMs` in the past (the process was stalled, e.g. a paused container
 *     or a GC pause) are dropped as `behind_schedule` instead of being fired in one burst.
 */

export interface Schedule {
  /** Requests per second; 0 sends nothing. */
  readonly rate: number;
  readonly paused: boolean;
  /** Clock time (ms) of the next due send; Infinity while idle or paused. */
  readonly nextDueAt: number;
}

export interface TickResult {
  readonly schedule: Schedule;
  /** Requests to send now. */
  readonly send: number;
  /** Due requests not sent because `freeSlots` ran out. */
  readonly droppedInFlight: number;
  /** Due requests older than `maxLagMs`, not sent. */
  readonly droppedLate: number;
}

export const MAX_RATE = 10_000;

function intervalMs(rate: number): number {
  return 1000 / rate;
}

function running(s: Pick<Schedule, 'rate' | 'paused'>): boolean {
  return !s.paused && s.rate > 0;
}

export function createSchedule(rate: number, now: number, paused = false): Schedule {
  checkRate(rate);
  const s = { rate, paused };
  return { ...s, nextDueAt: running(s) ? now : Infinity };
}

export function checkRate(rate: number): void {
  if (!(Number.isFinite(rate) && rate >= 0 && rate <= MAX_RATE)) {
    throw new RangeError(`rate must be a number of requests per second from 0 to ${MAX_RATE}, got ${rate}`);
  }
}

/** What is due at `now`, given how many more requests may be in flight. */
export function tick(s: Schedule, now: number, freeSlots: number, maxLagMs: number): TickResult {
  if (!running(s) || now < s.nextDueAt) return { schedule: s, send: 0, droppedInFlight: 0, droppedLate: 0 };
  const interval = intervalMs(s.rate);
  const due = Math.floor((now - s.nextDueAt) / interval) + 1;
  // Slots in (now - maxLagMs, now] are still worth sending; anything older is history.
  const onTime = Math.min(due, Math.floor(maxLagMs / interval) + 1);
  const send = Math.max(0, Math.min(onTime, freeSlots));
  return {
    schedule: { ...s, nextDueAt: s.nextDueAt + due * interval },
    send,
    droppedInFlight: onTime - send,
    droppedLate: due - onTime,
  };
}

/** Milliseconds until the next send is due (0 if overdue), or undefined when nothing is scheduled. */
export function delayUntilDue(s: Schedule, now: number): number | undefined {
  if (!running(s)) return undefined;
  return Math.max(0, s.nextDueAt - now);
}

/**
 * Changes the rate without a burst or a gap: the next send comes no later than one new interval
 * from now, and immediately when the generator was idle.
 */
export function withRate(s: Schedule, rate: number, now: number): Schedule {
  checkRate(rate);
  const next = { rate, paused: s.paused };
  if (!running(next)) return { ...next, nextDueAt: Infinity };
  if (!running(s)) return { ...next, nextDueAt: now };
  return { ...next, nextDueAt: Math.min(Math.max(s.nextDueAt, now), now + intervalMs(rate)) };
}

export function pause(s: Schedule): Schedule {
  return { ...s, paused: true, nextDueAt: Infinity };
}

/** Resumes from now: the time spent paused is not owed as a burst. */
export function resume(s: Schedule, now: number): Schedule {
  const next = { rate: s.rate, paused: false };
  return { ...next, nextDueAt: running(next) ? now : Infinity };
}
