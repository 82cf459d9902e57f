import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { parseTopology } from '../mesh/load.js';
import { resolveMesh } from '../mesh/model.js';
import { parsePolicySet, policyTarget } from './policy.js';
import { parseSplit } from './split.js';

const topology = resolveMesh(
  parseTopology(
    [
      'name: shop',
      'services:',
      '  gateway: { image: busybox, port: 3000, ingress: true, upstreams: [catalog] }',
      '  catalog:',
      '    image: busybox',
      '    port: 3000',
      '    versions: { v1: { replicas: 2 }, v2: { replicas: 1 } }',
    ].join('\n'),
    'mesh.yaml',
  ),
);

const usage = (fn: () => unknown, message: RegExp) => {
  expect(fn).toThrow(UsageError);
  expect(fn).toThrow(message);
};

describe('policyTarget', () => {
  it('names a service, a version of it, or the defaults', () => {
    expect(policyTarget('catalog', {}, topology)).toEqual({ kind: 'service', service: 'catalog' });
    expect(policyTarget('catalog', { version: 'v2' }, topology)).toEqual({
      kind: 'service',
      service: 'catalog',
      version: 'v2',
    });
    expect(policyTarget(undefined, { defaults: true }, topology)).toEqual({ kind: 'defaults' });
  });
  it('refuses what the topology does not have, and contradictory flags', () => {
    usage(
      () => policyTarget('catalgo', {}, topology),
      /SERVICE: "catalgo" is not a service of mesh shop; services: gateway, catalog/,
    );
    usage(
      () => policyTarget('catalog', { version: 'v9' }, topology),
      /--version: catalog has no version "v9"; its versions: v1, v2/,
    );
    usage(() => policyTarget('Catalog', {}, topology), /not a service name/);
    usage(() => policyTarget('catalog', { defaults: true }, topology), /--defaults takes no SERVICE/);
    usage(() => policyTarget(undefined, { defaults: true, version: 'v1' }, topology), /--version cannot be combined/);
    usage(() => policyTarget(undefined, {}, topology), /give a SERVICE/);
  });
});

describe('parsePolicySet', () => {
  it('splits SERVICE from the assignments', () => {
    expect(parsePolicySet(['catalog', 'balancer=peak-ewma'], {}, topology)).toEqual({
      target: { kind: 'service', service: 'catalog' },
      assignments: [{ path: ['balancer'], value: 'peak-ewma' }],
    });
    expect(parsePolicySet(['balancer=random'], { defaults: true }, topology).target).toEqual({ kind: 'defaults' });
  });
  it.each<[string[], { defaults?: boolean; version?: string }, RegExp]>([
    [['balancer=random'], {}, /give the SERVICE before KEY=VALUE/],
    [['catalog'], {}, /nothing to set/],
    [['catalog', 'balancer=nope'], {}, /invalid policy; nothing was written:\n {2}balancer: /],
    [['catalog', 'resilience.retries.maxRetries=abc'], {}, /resilience\.retries\.maxRetries: .*number/],
    [['catalog', 'resilience.timeoutMs=-1'], {}, /resilience\.timeoutMs/],
    [['catalog', 'resilience.timeoutMs=1e9'], {}, /resilience\.timeoutMs/],
    [['catalog', 'balancer=random', 'balancer=peak-ewma'], {}, /balancer is set twice/],
    [['catalog', 'nosuch=1'], {}, /nosuch/],
    [['catalog', '__proto__.x=1'], {}, /dotted key of field names/],
    [['catalog', 'balancer=random'], { version: 'v2' }, /balancer/],
    [['catalog', '=1'], {}, /KEY=VALUE/],
  ])('%j %j -> exit 2: %s', (args, opts, message) => {
    usage(() => parsePolicySet(args, opts, topology), message);
  });
});

describe('parseSplit', () => {
  it('parses weights, or --clear', () => {
    expect(parseSplit('catalog', ['v1=90', 'v2=10'], false, topology)).toEqual({
      service: 'catalog',
      split: { v1: 90, v2: 10 },
    });
    expect(parseSplit('catalog', [], true, topology)).toEqual({ service: 'catalog', split: undefined });
  });
  it.each<[string, string[], boolean, RegExp]>([
    ['catalog', ['v1=90%'], false, /expected VERSION=WEIGHT/],
    ['catalog', ['v1=-1'], false, /expected VERSION=WEIGHT/],
    ['catalog', ['v1=0', 'v2=0'], false, /at least one version with a weight above 0/],
    ['catalog', ['v1=20000'], false, /split: v1: .*10000/],
    ['catalog', ['v1=1', 'v1=2'], false, /version v1 is given twice/],
    ['catalog', ['v3=1'], false, /catalog has no version v3; its versions: v1, v2/],
    ['nosuch', ['v1=1'], false, /SERVICE: "nosuch" is not a service/],
    ['catalog', [], false, /give VERSION=WEIGHT pairs/],
    ['catalog', ['v1=1'], true, /--clear takes no weights/],
  ])('%s %j clear=%s -> exit 2: %s', (service, weights, clear, message) => {
    usage(() => parseSplit(service, weights, clear, topology), message);
  });
});
