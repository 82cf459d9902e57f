import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { DEMO_TOPOLOGY_PATH, parseTopology } from '../mesh/load.js';
import { resolveMesh } from '../mesh/model.js';
import { FaultDocument } from '../../proxy/schema/faults.js';
import type { FaultSpec } from './fault-document.js';
import { faultDocument, partitionDocument } from './fault-document.js';
import type { FaultField } from './fault-kinds.js';
import { FAULT_BOUNDS, FAULT_KINDS, pickFaultKind } from './fault-kinds.js';
import { FieldError, ownNames } from './fields.js';

const mesh = resolveMesh(parseTopology(readFileSync(DEMO_TOPOLOGY_PATH, 'utf8'), 'mesh.yaml'));
const now = new Date('2030-01-01T00:00:00.000Z');
const doc = (spec: FaultSpec) => faultDocument(spec, mesh, now, { newId: () => 'f-test' });

function refusal(fn: () => unknown): FieldError | UsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('faultDocument: typed specs (the programmatic API and the UI)', () => {
  it('builds the document with the defaults written in one place (100%, 10 minutes)', () => {
    expect(doc({ target: 'catalog', kind: 'abort', status: 503 })).toEqual({
      id: 'f-test',
      action: { type: 'abort', status: 503 },
      target: { service: 'catalog' },
      where: 'inbound',
      match: {},
      percent: 100,
      createdAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-01T00:10:00.000Z',
      createdBy: 'meshdev fault add',
    });
  });
  it('takes milliseconds, percentages and bytes per second as numbers', () => {
    const f = doc({
      target: 'catalog-2',
      kind: 'delay',
      fixedMs: 250,
      jitterMs: 50,
      percent: 12.5,
      ttlMs: 60_000,
      headers: { 'X-User': 'a' },
      pathPrefix: '/products',
    });
    expect(f).toMatchObject({
      action: { type: 'delay', fixedMs: 250, jitterMs: 50 },
      target: { service: 'catalog', instance: 'catalog-2' },
      percent: 12.5,
      match: { pathPrefix: '/products', headers: { 'x-user': 'a' } },
      expiresAt: '2030-01-01T00:01:00.000Z',
    });
    expect(doc({ target: 'catalog', kind: 'bandwidth', bytesPerSecond: 1500.4, tcp: true }).action).toEqual({
      type: 'tcp-bandwidth',
      bytesPerSecond: 1500,
    });
  });
  it('flaky: a count, the status its failures get (503 by default), connections with tcp', () => {
    expect(doc({ target: 'catalog', kind: 'flaky', first: 3 }).action).toEqual({
      type: 'flaky',
      first: 3,
      status: 503,
    });
    expect(doc({ target: 'catalog', kind: 'flaky', first: 2, failStatus: 500 }).action).toEqual({
      type: 'flaky',
      first: 2,
      status: 500,
    });
    expect(doc({ target: 'catalog', kind: 'flaky', first: 4, tcp: true }).action).toEqual({
      type: 'tcp-flaky',
      first: 4,
    });
  });
  it.each<[FaultSpec, string, RegExp]>([
    [
      { target: 'catalog', kind: 'abort', status: 503, ttlMs: 30 * 3_600_000 },
      'ttlMs',
      /^ttlMs: "30h" is out of range; expected from 1s to 24h$/,
    ],
    [
      { target: 'catalog', kind: 'abort', status: 503, ttlMs: 1.5 },
      'ttlMs',
      /ttlMs: "1.5" is not a duration in whole milliseconds/,
    ],
    [{ target: 'catalog', kind: 'abort', status: 503, percent: 101 }, 'percent', /^percent: "101" is not a percentage/],
    [{ target: 'catalog', kind: 'abort', status: Number.NaN }, 'status', /^status: "NaN" is not an HTTP status/],
    [{ target: 'catalog', kind: 'abort', status: 503.5 }, 'status', /is not an HTTP status/],
    [{ target: 'catalog', kind: 'delay', fixedMs: 0 }, 'fixedMs', /^fixedMs: "0s" adds nothing/],
    [
      { target: 'catalog', kind: 'delay', fixedMs: 11 * 60_000 },
      'fixedMs',
      /^fixedMs: "11m" is out of range; expected at most 10m/,
    ],
    [{ target: 'catalog', kind: 'bandwidth', bytesPerSecond: 0.5 }, 'bytesPerSecond', /is not a rate/],
    [
      { target: 'catalog', kind: 'flaky', first: 0 },
      'first',
      /^first: "0" is not a count; expected a whole number from 1 to 1000000$/,
    ],
    [{ target: 'catalog', kind: 'flaky', first: 2.5 }, 'first', /is not a count/],
    [
      { target: 'catalog', kind: 'flaky', first: 3, failStatus: 99 },
      'failStatus',
      /^failStatus: "99" is not an HTTP status/,
    ],
    [
      { target: 'catalog', kind: 'flaky', first: 3, failStatus: 500, tcp: true },
      'failStatus',
      /^failStatus has no meaning with tcp/,
    ],
    [
      { target: 'catalog', kind: 'flaky', first: 3, percent: 50 },
      'percent',
      /^percent: flaky fails an exact count of requests; leave percent out \(100\), not 50$/,
    ],
    [
      { target: 'catalog', kind: 'blackhole', tcp: true },
      'blackhole',
      /^blackhole has no TCP variant; with tcp use delay, reset, bandwidth or flaky$/,
    ],
    [
      { target: 'catalog', kind: 'reset', tcp: true, source: 'gateway' },
      'tcp',
      /^tcp faults cannot match pathPrefix, headers or source/,
    ],
    [{ target: 'catalog', kind: 'reset', pathPrefix: 'x' }, 'pathPrefix', /^pathPrefix: "x" must start with "\/"/],
    [
      { target: 'catalog', kind: 'reset', headers: { 'bad name': 'x' } },
      'headers',
      /^headers: "bad name" is not an HTTP header name/,
    ],
    [{ target: 'catalog', kind: 'reset', from: 'catalog' }, 'from', /does not call itself/],
    [{ target: 'catalog', kind: 'reset', id: 'Bad' }, 'id', /^id: "Bad" is not an id/],
  ])('%j is refused naming field %s', (spec, field, message) => {
    const err = refusal(() => doc(spec));
    expect(err).toBeInstanceOf(FieldError);
    expect((err as FieldError).field).toBe(field);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(message);
  });
  it('names the target as the front door does', () => {
    expect(refusal(() => doc({ target: 'catalgo', kind: 'reset' })).message).toMatch(
      /^target: "catalgo" is not a service/,
    );
  });
  it('pickFaultKind: exactly one kind, named by the door', () => {
    const naming = ownNames<FaultField>();
    expect(pickFaultKind(['abort'], [], naming)).toBe('abort');
    expect(refusal(() => pickFaultKind([], [], naming)).message).toBe(
      'give one fault: delay, abort, reset, blackhole, bandwidth or flaky',
    );
    expect(refusal(() => pickFaultKind(['bandwidth', 'delay'], [], naming)).message).toMatch(
      /^delay and bandwidth conflict/,
    );
    expect(refusal(() => pickFaultKind(['abort'], [{ field: 'jitterMs', needs: 'delay' }], naming)).message).toBe(
      'jitterMs needs delay',
    );
  });
});

describe('partitionDocument', () => {
  it('takes groups and an optional TTL in ms; refuses an instance with the service to name', () => {
    expect(
      partitionDocument({ a: ['gateway'], b: ['catalog'], ttlMs: 30_000 }, mesh, now, { newId: () => 'p-1' }),
    ).toMatchObject({
      id: 'p-1',
      expiresAt: '2030-01-01T00:00:30.000Z',
    });
    expect(refusal(() => partitionDocument({ a: ['gateway'], b: ['catalog-2'] }, mesh, now)).message).toMatch(
      /^b: "catalog-2" is not a service of mesh shop; .*"catalog-2" is an instance of catalog: name the service/,
    );
    expect(refusal(() => partitionDocument({ a: [], b: ['catalog'] }, mesh, now)).message).toMatch(/give two services/);
  });
});

/**
 * Any typed input, in or out of bounds: the domain either refuses it as bad input (a UsageError,
 * exit 2) or returns a document the sidecars accept, whose values are within the domain's bounds.
 * Never another kind of error, never a document the schema refuses.
 */
describe('faultDocument, property: refused cleanly or valid', () => {
  const targets = [...mesh.services.map((s) => s.name), ...mesh.instances.map((i) => i.id), 'pricing@v2', 'nope', ''];
  const callers = [undefined, undefined, undefined, 'gateway', 'catalog', 'ingress', 'nope'];
  // Mostly plausible values, sometimes anything: both outcomes must come up often.
  const wild = fc.oneof(
    fc.integer({ min: -10, max: 700 }),
    fc.double({ min: -1e3, max: 1e12, noNaN: false }),
    fc.constantFrom(600_001, FAULT_BOUNDS.ttlMs.max + 1, FAULT_BOUNDS.bytesPerSecond.max + 1, 0.5),
  );
  const of = (plausible: fc.Arbitrary<number>) =>
    fc.oneof({ arbitrary: plausible, weight: 6 }, { arbitrary: wild, weight: 1 });
  const rarely = <T>(arb: fc.Arbitrary<T>) =>
    fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: arb, weight: 1 });
  const num = of(fc.integer({ min: 1, max: 100 }));
  const ms = of(fc.constantFrom(1000, 250, 60_000, FAULT_BOUNDS.ttlMs.max));
  const kindSpec = fc.oneof(
    fc.record({ kind: fc.constant('delay' as const), fixedMs: ms, jitterMs: rarely(num) }),
    fc.record({ kind: fc.constant('abort' as const), status: of(fc.integer({ min: 200, max: 599 })) }),
    fc.constant({ kind: 'reset' as const }),
    fc.constant({ kind: 'blackhole' as const }),
    fc.record({ kind: fc.constant('bandwidth' as const), bytesPerSecond: of(fc.integer({ min: 1, max: 1e9 })) }),
  );
  const spec = fc
    .record({
      target: fc.constantFrom(...targets),
      tcp: rarely(fc.constant(true)),
      percent: rarely(num),
      pathPrefix: rarely(fc.constantFrom('/', '/products', 'x')),
      headers: rarely(fc.dictionary(fc.constantFrom('x-user', 'X-A', 'bad name', ''), fc.string({ maxLength: 5 }))),
      source: fc.constantFrom(...callers),
      from: fc.constantFrom(...callers),
      ttlMs: rarely(ms),
      id: rarely(fc.constantFrom('f-1', 'Bad', 'x'.repeat(70))),
    })
    .chain((common) => kindSpec.map((k) => ({ ...common, ...k }) as FaultSpec));

  it('over 3000 random specs', () => {
    const tally = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(spec, (s) => {
        let result: FaultDocument;
        try {
          result = doc(s);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          tally.refused++;
          return;
        }
        tally.accepted++;
        expect(FaultDocument.safeParse(result).success).toBe(true);
        expect(result.percent).toBeGreaterThanOrEqual(0);
        expect(result.percent).toBeLessThanOrEqual(100);
        const ttl = Date.parse(result.expiresAt) - Date.parse(result.createdAt);
        expect(ttl).toBeGreaterThanOrEqual(FAULT_BOUNDS.ttlMs.min);
        expect(ttl).toBeLessThanOrEqual(FAULT_BOUNDS.ttlMs.max);
        expect(FAULT_KINDS.some((k) => result.action.type === k || result.action.type.startsWith('tcp-'))).toBe(true);
      }),
      { numRuns: 3000, seed: 14 },
    );
    // Both outcomes are exercised (a generator that only ever fails would prove nothing).
    expect(tally.accepted).toBeGreaterThan(100);
    expect(tally.refused).toBeGreaterThan(100);
  });
});
