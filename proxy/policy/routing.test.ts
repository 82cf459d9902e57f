import { describe, expect, it } from 'vitest';
import type { RoutableRequest, RouteTable } from './routing.js';
import {
  compileRouteTable,
  matchingRuleName,
  RouteValidationError,
  selectVersion,
  validateRouteTable,
} from './routing.js';
import { seededRng } from './testing.js';

const req = (path: string, headers: RoutableRequest['headers'] = {}): RoutableRequest => ({ path, headers });
const rng = seededRng(1);

describe('selectVersion', () => {
  it('returns undefined (any version) with no rules and no default split', () => {
    expect(selectVersion({}, req('/'), rng)).toBeUndefined();
    expect(selectVersion({ routes: [] }, req('/x'), rng)).toBeUndefined();
  });

  it('splits 90/10 between versions (canary)', () => {
    const table: RouteTable = { split: { v1: 90, v2: 10 } };
    const r = seededRng(2);
    let v2 = 0;
    for (let i = 0; i < 20_000; i++) if (selectVersion(table, req('/'), r) === 'v2') v2++;
    expect(Math.abs(v2 / 20_000 - 0.1)).toBeLessThan(0.01);
  });

  it('uses relative weights that need not sum to 100', () => {
    const table: RouteTable = { split: { v1: 1, v2: 1, v3: 2 } };
    expect(selectVersion(table, req('/'), () => 0)).toBe('v1');
    expect(selectVersion(table, req('/'), () => 0.26)).toBe('v2');
    expect(selectVersion(table, req('/'), () => 0.5)).toBe('v3');
    expect(selectVersion(table, req('/'), () => 0.999)).toBe('v3');
  });

  it('never picks a version at weight 0', () => {
    const table: RouteTable = { split: { v1: 0, v2: 1 } };
    for (const x of [0, 0.3, 0.999]) expect(selectVersion(table, req('/'), () => x)).toBe('v2');
  });

  it('sends a path prefix to its version, everything else to the default', () => {
    const table: RouteTable = { routes: [{ match: { pathPrefix: '/api/v2' }, version: 'v2' }], split: { v1: 1 } };
    expect(selectVersion(table, req('/api/v2/products?x=1'), rng)).toBe('v2');
    expect(selectVersion(table, req('/api/v1/products'), rng)).toBe('v1');
    expect(selectVersion(table, req('/api'), rng)).toBe('v1');
  });

  it('matches exact header values, header names in any case, all headers required', () => {
    const table: RouteTable = {
      routes: [{ name: 'beta-testers', match: { headers: { 'X-Canary': 'yes', 'x-team': 'shop' } }, version: 'v2' }],
    };
    expect(selectVersion(table, req('/', { 'x-canary': 'yes', 'x-team': 'shop' }), rng)).toBe('v2');
    expect(selectVersion(table, req('/', { 'x-canary': 'yes' }), rng)).toBeUndefined();
    expect(selectVersion(table, req('/', { 'x-canary': 'YES', 'x-team': 'shop' }), rng)).toBeUndefined();
    expect(selectVersion(table, req('/', { 'x-canary': ['no', 'yes'], 'x-team': 'shop' }), rng)).toBe('v2');
    expect(matchingRuleName(table, req('/', { 'x-canary': 'yes', 'x-team': 'shop' }))).toBe('beta-testers');
    expect(matchingRuleName(table, req('/'))).toBeUndefined();
  });

  it('matches present headers whatever their value', () => {
    const table: RouteTable = { routes: [{ match: { headersPresent: ['X-Debug'] }, version: 'debug' }] };
    expect(selectVersion(table, req('/', { 'x-debug': '' }), rng)).toBe('debug');
    expect(selectVersion(table, req('/', { 'x-other': '1' }), rng)).toBeUndefined();
  });

  it('takes the first matching rule', () => {
    const table: RouteTable = {
      routes: [
        { match: { pathPrefix: '/a', headers: { 'x-v': '3' } }, version: 'v3' },
        { match: { pathPrefix: '/a' }, version: 'v2' },
        { match: {}, version: 'v1' },
      ],
      split: { never: 1 },
    };
    expect(selectVersion(table, req('/a', { 'x-v': '3' }), rng)).toBe('v3');
    expect(selectVersion(table, req('/a/b'), rng)).toBe('v2');
    expect(selectVersion(table, req('/b'), rng)).toBe('v1');
  });

  it('lets a rule split between versions', () => {
    const table: RouteTable = { routes: [{ match: { pathPrefix: '/new' }, split: { v2: 50, v3: 50 } }] };
    expect(selectVersion(table, req('/new'), () => 0.1)).toBe('v2');
    expect(selectVersion(table, req('/new'), () => 0.9)).toBe('v3');
    expect(selectVersion(table, req('/old'), () => 0.9)).toBeUndefined();
  });

  it('reads the live-config shape directly and caches the compiled table per object', () => {
    const config = {
      balancer: 'round-robin',
      routes: [{ match: {}, version: 'v1' }],
      split: { v1: 90, v2: 10 },
    };
    expect(selectVersion(config, req('/'), rng)).toBe('v1');
    const compiled = compileRouteTable(config);
    expect(selectVersion(compiled, req('/'), rng)).toBe('v1');
  });

  it('throws on an invalid plain table', () => {
    expect(() => selectVersion({ split: { v1: 0 } }, req('/'), rng)).toThrow(RouteValidationError);
  });
});

describe('validateRouteTable', () => {
  it('accepts a valid table', () => {
    expect(validateRouteTable({ routes: [{ match: { pathPrefix: '/' }, version: 'v1' }], split: { v1: 1 } })).toEqual(
      [],
    );
  });

  it.each<[string, RouteTable, RegExp]>([
    ['weights summing to 0', { split: { v1: 0, v2: 0 } }, /^split: weights must sum to more than 0/],
    ['an empty split', { split: {} }, /^split: weights must sum/],
    ['a negative weight', { split: { v1: -1, v2: 5 } }, /^split\.v1: weight must be a number >= 0/],
    ['a non-finite weight', { split: { v1: Infinity } }, /^split\.v1/],
    ['a rule without target', { routes: [{ match: {} }] }, /^routes\[0\]: needs exactly one of "version" or "split"/],
    [
      'a rule with both targets',
      { routes: [{ version: 'v1' }, { version: 'v1', split: { v2: 1 } }] },
      /^routes\[1\]: needs exactly one/,
    ],
    ['an empty version', { routes: [{ version: '' }] }, /^routes\[0\]\.version/],
    ['a bad rule split', { routes: [{ split: { v1: 0 } }] }, /^routes\[0\]\.split: weights must sum/],
    ['a relative path prefix', { routes: [{ match: { pathPrefix: 'api' }, version: 'v1' }] }, /pathPrefix: must start/],
    [
      'a bad header name',
      { routes: [{ match: { headers: { 'x canary': '1' } }, version: 'v1' }] },
      /routes\[0\]\.match\.headers: "x canary" is not an HTTP header name/,
    ],
    [
      'a bad present header name',
      { routes: [{ match: { headersPresent: ['ok', 'no:'] }, version: 'v1' }] },
      /headersPresent\[1\]/,
    ],
  ])('rejects %s, naming the field', (_, table, message) => {
    const problems = validateRouteTable(table);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});
