import { describe, expect, it } from 'vitest';
import { createSchedule, delayUntilDue, pause, resume, tick, withRate, type Schedule } from './schedule.js';

/** Drives a schedule with a fake clock, ticking every `stepMs`, and totals what it did. */
function simulate(s: Schedule, from: number, to: number, stepMs: number, freeSlots = Infinity, maxLagMs = 1000) {
  let schedule = s;
  let send = 0;
  let droppedInFlight = 0;
  let droppedLate = 0;
  for (let now = from; now <= to; now += stepMs) {
    const r = tick(schedule, now, freeSlots, maxLagMs);
    schedule = r.schedule;
    send += r.send;
    droppedInFlight += r.droppedInFlight;
    droppedLate += r.droppedLate;
  }
  return { schedule, send, droppedInFlight, droppedLate };
}

describe('open-loop schedule', () => {
  it('sends exactly rate x duration requests, whatever the tick granularity', () => {
    for (const step of [1, 7, 50, 333]) {
      // [0, 10000): 20 rps -> sends due at 0, 50, ..., 9950 = 200.
      const r = simulate(createSchedule(20, 0), 0, 9999, step);
      const lastTick = Math.floor(9999 / step) * step;
      expect(r.send).toBe(Math.floor(lastTick / 50) + 1);
    }
  });

  it('sends the first request immediately and then every interval', () => {
    let s = createSchedule(4, 1000);
    expect(delayUntilDue(s, 1000)).toBe(0);
    let r = tick(s, 1000, 10, 1000);
    expect(r.send).toBe(1);
    s = r.schedule;
    expect(delayUntilDue(s, 1000)).toBe(250);
    expect(tick(s, 1249, 10, 1000).send).toBe(0);
    r = tick(s, 1250, 10, 1000);
    expect(r.send).toBe(1);
    expect(r.schedule.nextDueAt).toBe(1500);
  });

  it('counts due sends beyond the free in-flight slots as dropped, and does not owe them later', () => {
    const r = tick(createSchedule(100, 0), 95, 3, 1000); // due at 0,10,...,90 = 10
    expect(r).toMatchObject({ send: 3, droppedInFlight: 7, droppedLate: 0 });
    expect(r.schedule.nextDueAt).toBe(100);
    expect(tick(r.schedule, 95, 10, 1000).send).toBe(0);
  });

  it('drops sends older than maxLagMs after a stall instead of bursting them', () => {
    const r = tick(createSchedule(10, 0), 5000, Infinity, 1000); // 51 due, only (4000, 5000] on time
    expect(r).toMatchObject({ send: 11, droppedInFlight: 0, droppedLate: 40 });
    expect(r.schedule.nextDueAt).toBe(5100);
  });

  it('sends nothing at rate 0 or while paused, and resumes without owing the pause', () => {
    expect(delayUntilDue(createSchedule(0, 0), 0)).toBeUndefined();
    expect(tick(createSchedule(0, 0), 10_000, 10, 1000).send).toBe(0);

    const paused = pause(createSchedule(10, 0));
    expect(tick(paused, 10_000, 10, 1000).send).toBe(0);
    expect(delayUntilDue(paused, 10_000)).toBeUndefined();
    const resumed = resume(paused, 60_000);
    expect(tick(resumed, 60_000, 10, 1000)).toMatchObject({ send: 1, droppedLate: 0 });
  });

  it('changes rate without a burst or a long gap', () => {
    // At 1 rps the next send is 1 s away; going to 100 rps brings it to within 10 ms.
    const slow = tick(createSchedule(1, 0), 0, 10, 1000).schedule;
    const fast = withRate(slow, 100, 200);
    expect(fast.nextDueAt).toBe(210);
    // Going down never schedules earlier than already planned.
    const down = withRate(tick(createSchedule(100, 0), 0, 10, 1000).schedule, 1, 5);
    expect(down.nextDueAt).toBe(10);
    // From idle, start right away.
    expect(withRate(createSchedule(0, 0), 5, 300).nextDueAt).toBe(300);
    expect(withRate(createSchedule(5, 0), 0, 300).nextDueAt).toBe(Infinity);
    // A rate change while paused stays paused.
    expect(withRate(pause(createSchedule(5, 0)), 50, 10)).toEqual({ rate: 50, paused: true, nextDueAt: Infinity });
  });

  it('rejects impossible rates with the accepted range', () => {
    expect(() => createSchedule(-1, 0)).toThrow('rate must be a number of requests per second from 0 to 10000, got -1');
    expect(() => withRate(createSchedule(1, 0), Number.NaN, 0)).toThrow(/got NaN/);
  });
});
