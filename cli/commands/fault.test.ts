import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { DEMO_TOPOLOGY_PATH, parseTopology } from '../mesh/load.js';
import { resolveMesh } from '../mesh/model.js';
import { faultDocument, partitionDocument } from '../control/index.js';
import type { FaultAddFlags } from './fault.js';
import { faultSpecFromFlags, flagNaming } from './fault.js';
import { PARTITION_ARGS, partitionSpecFromArgs } from './partition.js';

/** The command's door into the domain: flags -> spec -> document, messages naming the flags. */
const mesh = resolveMesh(parseTopology(readFileSync(DEMO_TOPOLOGY_PATH, 'utf8'), 'mesh.yaml'));
const now = new Date('2030-01-01T00:00:00.000Z');
const build = (target: string, flags: FaultAddFlags) =>
  faultDocument(faultSpecFromFlags(target, flags), mesh, now, { naming: flagNaming(flags), newId: () => 'f-test' });
const buildPartition = (a: string, b: string, flags: { ttl?: string; id?: string }, id = () => 'p-1') =>
  partitionDocument(partitionSpecFromArgs(a, b, flags), mesh, now, {
    naming: { ...PARTITION_ARGS, text: (field) => (field === 'ttlMs' ? flags.ttl : undefined) },
    newId: id,
  });

describe('meshdev fault add: flags -> fault document', () => {
  it('builds a delay with jitter on a service, with the default 10m TTL', () => {
    expect(build('catalog', { delay: '200ms', jitter: '50ms' })).toEqual({
      id: 'f-test',
      action: { type: 'delay', fixedMs: 200, jitterMs: 50 },
      target: { service: 'catalog' },
      where: 'inbound',
      match: {},
      percent: 100,
      createdAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-01T00:10:00.000Z',
      createdBy: 'meshdev fault add',
    });
  });
  it('resolves service@version and instance targets against the topology', () => {
    expect(build('pricing@v2', { abort: '503' }).target).toEqual({ service: 'pricing', version: 'v2' });
    expect(build('catalog-2', { reset: true }).target).toEqual({ service: 'catalog', instance: 'catalog-2' });
  });
  it('--from makes it an outbound fault in the callers', () => {
    const f = build('catalog', { abort: '500', from: 'gateway', percent: '50', path: '/products', header: ['x-a=1'] });
    expect(f).toMatchObject({
      where: 'outbound',
      from: 'gateway',
      percent: 50,
      match: { pathPrefix: '/products', headers: { 'x-a': '1' } },
    });
  });
  it('--from towards one version or instance acts at that instance, on calls from the caller only', () => {
    expect(build('catalog-2', { abort: '503', from: 'gateway' })).toMatchObject({
      target: { service: 'catalog', instance: 'catalog-2' },
      where: 'inbound',
      match: { source: 'gateway' },
    });
    expect(build('catalog-2', { abort: '503', from: 'gateway' })).not.toHaveProperty('from');
    expect(build('pricing@v2', { delay: '1s', from: 'catalog', source: 'catalog' })).toMatchObject({
      where: 'inbound',
      match: { source: 'catalog' },
    });
    expect(() => build('pricing@v2', { delay: '1s', from: 'catalog', source: 'gateway' })).toThrow(/conflict/);
    expect(() => build('catalog-2', { tcp: true, reset: true, from: 'gateway' })).toThrow(/needs an HTTP fault/);
  });
  it('--tcp picks the TCP variants', () => {
    expect(build('catalog', { tcp: true, delay: '1s' }).action.type).toBe('tcp-latency');
    expect(build('catalog', { tcp: true, bandwidth: '1KiB/s' }).action).toEqual({
      type: 'tcp-bandwidth',
      bytesPerSecond: 1024,
    });
  });
  it.each<[string, FaultAddFlags, RegExp]>([
    ['catalgo', { abort: '503' }, /TARGET: "catalgo" is not a service.*services: gateway, catalog/],
    ['pricing@v9', { abort: '503' }, /pricing has no version "v9"; its versions: v1, v2/],
    ['catalog-9', { abort: '503' }, /"catalog-9" is not a service/],
    ['catalog', {}, /give one fault/],
    ['catalog', { abort: '503', reset: true }, /--abort and --reset conflict/],
    ['catalog', { jitter: '5ms', abort: '503' }, /--jitter needs --delay/],
    ['catalog', { abort: '503', percent: '150' }, /--percent: "150"/],
    ['catalog', { delay: 'soon' }, /--delay: "soon" is not a duration/],
    ['catalog', { bandwidth: '10 parsecs' }, /--bandwidth: "10 parsecs" is not a rate/],
    ['catalog', { abort: '503', ttl: '2d' }, /--ttl/],
    ['catalog', { abort: '503', ttl: '25h' }, /--ttl: "25h" is out of range; expected from 1s to 24h/],
    ['catalog', { abort: '503', ttl: '5' }, /--ttl: "5" has no unit; a duration needs one, e.g. 5s or 5m/],
    ['catalog', { abort: '503', ttl: '1h1h' }, /--ttl: "1h1h" gives h twice/],
    ['catalog', { abort: '503', ttl: '500ms' }, /--ttl: "500ms" is out of range/],
    ['catalog', { delay: '0s' }, /--delay: "0s" adds nothing/],
    ['catalog', { delay: '11m' }, /--delay: "11m" is out of range; expected at most 10m/],
    ['catalog', { delay: '1s', jitter: '10' }, /--jitter: "10" has no unit/],
    ['catalog', { abort: '503', from: 'nobody' }, /--from: "nobody" is not a service/],
    ['catalog', { abort: '503', from: 'catalog' }, /does not call itself/],
    ['catalog', { abort: '503', path: 'products' }, /--path: "products" must start with/],
    ['catalog', { tcp: true, abort: '503' }, /no TCP variant/],
    ['catalog', { tcp: true, reset: true, path: '/x' }, /--tcp faults cannot match/],
    ['catalog', { abort: '999' }, /--abort: "999" is not an HTTP status; expected a number from 200 to 599/],
    ['catalog', { bandwidth: '0' }, /--bandwidth: "0" is not a rate/],
    ['catalog', { bandwidth: '99GiB/s' }, /--bandwidth: "99GiB\/s" is above the maximum of 10GiB\/s/],
    ['catalog', { abort: '503', id: 'Bad Id' }, /--id: "Bad Id" is not an id/],
    ['catalog', { abort: '503', from: 'catalog-2' }, /"catalog-2" is an instance of catalog: name the service/],
  ])('%s %j -> exit 2: %s', (target, flags, message) => {
    let err: unknown;
    try {
      build(target, flags);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(message);
  });
});

describe('meshdev partition: A B -> partition document', () => {
  it('builds groups, accepts the ingress, optional TTL', () => {
    const p = buildPartition('ingress,gateway', 'catalog', { ttl: '30s' });
    expect(p).toMatchObject({
      id: 'p-1',
      a: ['ingress', 'gateway'],
      b: ['catalog'],
      expiresAt: '2030-01-01T00:00:30.000Z',
    });
    expect(buildPartition('gateway', 'catalog', {}).expiresAt).toBeUndefined();
  });
  it('rejects unknown services and overlapping groups', () => {
    expect(() => buildPartition('gateway', 'nope', {})).toThrow(/B: "nope" is not a service/);
    expect(() => buildPartition('gateway,catalog', 'catalog', {})).toThrow(/catalog cannot be on both sides/);
  });
});
