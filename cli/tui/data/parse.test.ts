import { describe, expect, it } from 'vitest';
import type { ProjectContainer } from '../../runtime/docker.js';
import type { MetricResults, Sample } from './parse.js';
import {
  containersByInstance,
  describeDockerEvent,
  parseVector,
  splitCombined,
  combinedQuery,
  newRefusals,
  statsFromResults,
} from './parse.js';

const sample = (labels: Record<string, string>, value: number): Sample => ({ labels, value });
const empty: MetricResults = {
  serviceRps: [],
  serviceOk: [],
  serviceP50: [],
  serviceP99: [],
  instanceRps: [],
  instanceOk: [],
  clientRps: [],
  clientOk: [],
  clientP50: [],
  clientP99: [],
  clientTarget: [],
  clientPaused: [],
};

describe('statsFromResults', () => {
  it('joins rps, success ratio and quantiles per service, in milliseconds', () => {
    const r = statsFromResults({
      ...empty,
      serviceRps: [sample({ service: 'catalog' }, 20)],
      serviceOk: [sample({ service: 'catalog' }, 15)],
      serviceP50: [sample({ service: 'catalog' }, 0.004)],
      serviceP99: [sample({ service: 'catalog' }, NaN)],
    });
    expect(r.services.catalog).toEqual({ rps: 20, success: 0.75, p50Ms: 4, p99Ms: undefined });
    expect(r.client).toBeUndefined();
  });

  it('reports no success ratio (not 0%) for a service without traffic', () => {
    const r = statsFromResults({ ...empty, serviceRps: [sample({ service: 'pricing' }, 0)] });
    expect(r.services.pricing!.success).toBeUndefined();
  });

  it('reads the client view from the load generator series', () => {
    const r = statsFromResults({
      ...empty,
      clientRps: [sample({}, 19.5)],
      clientOk: [sample({}, 19.5)],
      clientP99: [sample({}, 0.25)],
      clientTarget: [sample({}, 20)],
      clientPaused: [sample({}, 0)],
    });
    expect(r.client).toMatchObject({ rps: 19.5, success: 1, p99Ms: 250, targetRate: 20, paused: false });
  });

  it('parses a Prometheus instant vector', () => {
    const body = { status: 'success', data: { result: [{ metric: { service: 'a' }, value: [1, '2.5'] }] } };
    expect(parseVector(body)).toEqual([{ labels: { service: 'a' }, value: 2.5 }]);
    expect(parseVector({})).toEqual([]);
  });
});

describe('containersByInstance', () => {
  it('pairs app and sidecar states and marks instances without containers missing', () => {
    const c = (instance: string, role: string, state: string) => ({ instance, role, state }) as ProjectContainer;
    const out = containersByInstance(
      ['catalog-1', 'catalog-2'],
      [c('catalog-1', 'app', 'paused'), c('catalog-1', 'sidecar', 'running'), c('x', 'consul', 'running')],
    );
    expect(out).toEqual({
      'catalog-1': { app: 'paused', sidecar: 'running' },
      'catalog-2': { app: 'missing', sidecar: 'missing' },
    });
  });
});

describe('describeDockerEvent', () => {
  it('names the instance and what happened; ignores exec and network noise', () => {
    const attrs = { 'dev.meshdev.instance': 'catalog-2', 'dev.meshdev.role': 'app', name: 'meshdev-shop-catalog-2' };
    expect(describeDockerEvent({ Type: 'container', Action: 'die', Actor: { Attributes: attrs } })).toEqual({
      subject: 'catalog-2',
      action: 'die',
    });
    expect(
      describeDockerEvent({
        Type: 'container',
        Action: 'health_status: unhealthy',
        Actor: { Attributes: { ...attrs, 'dev.meshdev.role': 'sidecar' } },
      }),
    ).toEqual({ subject: 'catalog-2 sidecar', action: 'health: unhealthy' });
    expect(
      describeDockerEvent({ Type: 'container', Action: 'exec_start: sh', Actor: { Attributes: attrs } }),
    ).toBeUndefined();
    expect(describeDockerEvent({ Type: 'network', Action: 'connect' })).toBeUndefined();
  });
});

describe('combinedQuery / splitCombined', () => {
  const queries = { serviceRps: 'sum by (service) (rate(x[10s]))', clientTarget: 'sum(meshdev_client_target_rate)' };

  it('tags every query with its name and joins them with or', () => {
    expect(combinedQuery(queries)).toBe(
      'label_replace(sum by (service) (rate(x[10s])), "__meshdev_query", "serviceRps", "", "") or ' +
        'label_replace(sum(meshdev_client_target_rate), "__meshdev_query", "clientTarget", "", "")',
    );
  });

  it('splits the answer back per query, without the tag; queries without samples get none', () => {
    const samples: Sample[] = [
      { labels: { __meshdev_query: 'serviceRps', service: 'catalog' }, value: 3 },
      { labels: { __meshdev_query: 'serviceRps', service: 'pricing' }, value: 4 },
      { labels: { __meshdev_query: 'unknown' }, value: 1 },
      { labels: { service: 'untagged' }, value: 1 },
    ];
    const out = splitCombined(queries, samples) as unknown as Record<string, unknown>;
    expect(out).toEqual({
      serviceRps: [
        { labels: { service: 'catalog' }, value: 3 },
        { labels: { service: 'pricing' }, value: 4 },
      ],
      clientTarget: [],
    });
  });
});

describe('newRefusals', () => {
  it('logs a refused /endpoints once, again when the reason changes or after it was fixed', () => {
    const bad = new Map([['gateway-1', 'gateway-1: catalog.endpoints: expected array']]);
    expect(newRefusals(new Map(), bad)).toEqual(['gateway-1: catalog.endpoints: expected array']);
    expect(newRefusals(bad, bad)).toEqual([]);
    const other = new Map([['gateway-1', 'gateway-1: catalog.panic: expected boolean']]);
    expect(newRefusals(bad, other)).toEqual(['gateway-1: catalog.panic: expected boolean']);
    expect(newRefusals(bad, new Map())).toEqual([]);
    expect(newRefusals(new Map(), bad)).toHaveLength(1);
  });
});
