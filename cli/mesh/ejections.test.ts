import { describe, expect, it } from 'vitest';
import type { ProjectContainer } from '../runtime/docker.js';
import type { EndpointsView } from './ejections.js';
import { outliersFromEndpoints, runningProxies } from './ejections.js';
import { parseTopology } from './load.js';
import { resolveMesh } from './model.js';
import { buildStatus, formatStatus } from './status.js';

/** The gateway's sidecar: catalog-1 in rotation, catalog-2 ejected. */
const GATEWAY_EJECTS_CATALOG_2: EndpointsView = {
  catalog: {
    endpoints: [
      { id: 'catalog-1', state: 'healthy', active: 0 },
      { id: 'catalog-2', state: 'ejected', active: 0 },
    ],
  },
};

describe('outliersFromEndpoints', () => {
  it('counts the callers that eject each instance and reads in-flight from its own sidecar', () => {
    const views = new Map<string, EndpointsView>([
      ['gateway-1', GATEWAY_EJECTS_CATALOG_2],
      ['gateway-2', { catalog: { endpoints: [{ id: 'catalog-2', state: 'ejected', active: 0 }] } }],
      ['catalog-2', { catalog: { endpoints: [{ id: 'app', state: 'healthy', active: 3 }] } }],
    ]);
    const out = outliersFromEndpoints(views);
    expect(out['catalog-2']).toEqual({ ejectedBy: ['gateway-1', 'gateway-2'], active: 3 });
    expect(out['catalog-1']).toEqual({ ejectedBy: [], active: undefined });
  });
});

describe('runningProxies', () => {
  it('asks every running sidecar and the ingress, named as callers', () => {
    const c = (id: string, role: string, state: string, instance?: string) =>
      ({ id, role, state, instance }) as ProjectContainer;
    expect(
      runningProxies([
        c('s1', 'sidecar', 'running', 'gateway-1'),
        c('s2', 'sidecar', 'exited', 'catalog-1'),
        c('a1', 'app', 'running', 'gateway-1'),
        c('i', 'ingress', 'running'),
        c('k', 'consul', 'running'),
      ]),
    ).toEqual([
      { id: 's1', caller: 'gateway-1' },
      { id: 'i', caller: 'ingress' },
    ]);
  });
});

describe('meshdev status: who ejects an instance', () => {
  const mesh = resolveMesh(
    parseTopology(
      `
name: shop
services:
  gateway: {port: 3000, ingress: true, upstreams: [catalog]}
  catalog: {port: 3000, replicas: 2}
`,
      'mesh.yaml',
    ),
  );
  const container = (id: string, composeService: string, role: string, instance: string) =>
    ({ id, name: `shop-${composeService}`, composeService, role, instance, state: 'running' }) as ProjectContainer;
  const containers = mesh.instances.flatMap((i) => [
    container(`${i.id}-app`, i.appContainer, 'app', i.id),
    container(`${i.id}-sc`, i.sidecarContainer, 'sidecar', i.id),
  ]);
  const rowOf = (text: string, id: string) => text.split('\n').find((l) => l.includes(` ${id} `))!;

  it('shows the callers that eject an instance, "-" for none', () => {
    const outliers = outliersFromEndpoints(
      new Map<string, EndpointsView>([
        ['gateway-1', GATEWAY_EJECTS_CATALOG_2],
        ['ingress', { gateway: { endpoints: [{ id: 'gateway-1', state: 'healthy', active: 0 }] } }],
      ]),
    );
    const status = buildStatus(mesh, containers, new Map(), true, outliers);
    expect(status.services[1]!.instances.map((i) => [i.id, i.ejectedBy])).toEqual([
      ['catalog-1', []],
      ['catalog-2', ['gateway-1']],
    ]);
    const text = formatStatus(status);
    expect(text).toMatch(/HEALTH\s+EJECTED BY/);
    expect(rowOf(text, 'catalog-2')).toMatch(/\sgateway-1$/);
    expect(rowOf(text, 'catalog-1')).toMatch(/\s-$/);
  });

  it('warns about a proxy whose /endpoints is not the document this CLI reads', () => {
    const problem = 'gateway-1 http://10.0.0.2:15000/endpoints: not the admin document this meshdev reads: x';
    const status = buildStatus(mesh, containers, new Map(), true, {}, [problem]);
    expect(formatStatus(status).split('\n').at(-1)).toBe(`warning: ${problem}`);
    expect(formatStatus(buildStatus(mesh, containers, new Map(), true, {}))).not.toContain('warning:');
  });

  it('says "?" when no proxy could be asked (e.g. Docker Desktop, where bridge networks are not routed)', () => {
    const status = buildStatus(mesh, containers, new Map(), true, undefined);
    expect(status.services[0]!.instances[0]!.ejectedBy).toBeNull();
    expect(rowOf(formatStatus(status), 'gateway-1')).toMatch(/\s\?$/);
  });
});
