import { describe, expect, it } from 'vitest';
import { CircuitBreaker, DEFAULT_CIRCUIT_BREAKER } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  it('documents generous defaults', () => {
    expect(DEFAULT_CIRCUIT_BREAKER).toEqual({ maxConcurrent: 1024, maxPending: 1024 });
    expect(new CircuitBreaker().snapshot()).toEqual({ maxConcurrent: 1024, maxPending: 1024, active: 0, pending: 0 });
  });

  it('grants up to maxConcurrent slots, then refuses with max-requests until one is released', () => {
    const breaker = new CircuitBreaker({ maxConcurrent: 2 });
    expect(breaker.tryAcquire()).toBe('ok');
    expect(breaker.tryAcquire()).toBe('ok');
    expect(breaker.tryAcquire()).toBe('max-requests');
    expect(breaker.active).toBe(2);
    breaker.release();
    expect(breaker.tryAcquire()).toBe('ok');
  });

  it('bounds the waiting line with max-pending', () => {
    const breaker = new CircuitBreaker({ maxConcurrent: 1, maxPending: 1 });
    expect(breaker.tryAcquire()).toBe('ok');
    expect(breaker.tryAcquire()).toBe('max-requests');
    expect(breaker.tryEnqueue()).toBe('ok');
    expect(breaker.tryEnqueue()).toBe('max-pending');
    expect(breaker.pending).toBe(1);
    breaker.dequeue();
    expect(breaker.tryEnqueue()).toBe('ok');
  });

  it('refuses every wait with maxPending 0', () => {
    const breaker = new CircuitBreaker({ maxConcurrent: 1, maxPending: 0 });
    expect(breaker.tryEnqueue()).toBe('max-pending');
  });

  it('applies lowered limits to new requests without cutting off those in flight', () => {
    const breaker = new CircuitBreaker({ maxConcurrent: 4 });
    for (let i = 0; i < 4; i++) breaker.tryAcquire();
    breaker.configure({ maxConcurrent: 2 });
    expect(breaker.active).toBe(4);
    expect(breaker.tryAcquire()).toBe('max-requests');
    breaker.release();
    breaker.release();
    expect(breaker.tryAcquire()).toBe('max-requests'); // 2 in flight, limit 2
    breaker.release();
    expect(breaker.tryAcquire()).toBe('ok');
  });

  it('never goes below zero on extra releases', () => {
    const breaker = new CircuitBreaker({ maxConcurrent: 1 });
    breaker.release();
    breaker.dequeue();
    expect(breaker.snapshot()).toMatchObject({ active: 0, pending: 0 });
    expect(breaker.tryAcquire()).toBe('ok');
    expect(breaker.tryAcquire()).toBe('max-requests');
  });

  it('rejects invalid limits naming the field', () => {
    expect(() => new CircuitBreaker({ maxConcurrent: 0 })).toThrow(/maxConcurrent/);
    expect(() => new CircuitBreaker({ maxPending: -1 })).toThrow(/maxPending/);
    expect(() => new CircuitBreaker().configure({ maxConcurrent: 1.5 })).toThrow(/maxConcurrent/);
  });
});
