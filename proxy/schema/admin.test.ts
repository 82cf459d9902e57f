import { describe, expect, it } from 'vitest';
import { AdminDocumentError, parseAdminConfig, parseAdminEndpoints } from './admin.js';

const endpoint = {
  id: 'catalog-2',
  address: '10.0.0.5:15006',
  version: 'v1',
  weight: 100,
  state: 'ejected',
  active: 0,
  ewmaMs: null,
  slowStartFactor: null,
  ejections: 1,
  ejectedUntil: '2025-01-01T12:00:10.000Z',
};
const upstream = { balancer: 'round-robin', active: 0, pending: 0, panic: false, endpoints: [endpoint] };

function refusal(body: unknown, parse: (body: unknown, source: string) => unknown): AdminDocumentError {
  try {
    parse(body, 'gateway-1 /endpoints');
  } catch (err) {
    if (err instanceof AdminDocumentError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('parseAdminEndpoints', () => {
  it('accepts the document a sidecar writes, and fields it does not know yet', () => {
    const doc = parseAdminEndpoints({ catalog: { ...upstream, extra: 1 } }, 'x');
    expect(doc.catalog?.endpoints[0]?.state).toBe('ejected');
  });

  it('refuses another shape with the source and the field: a state it does not know, a missing list', () => {
    const bad = refusal({ catalog: { ...upstream, endpoints: [{ ...endpoint, state: 'gone' }] } }, parseAdminEndpoints);
    expect(bad.message).toMatch(/^gateway-1 \/endpoints: not the admin document this meshdev reads: /);
    expect(bad.problems[0]).toMatch(/^catalog\.endpoints\[0\]\.state: /);
    const missing = refusal({ catalog: { ...upstream, endpoints: undefined } }, parseAdminEndpoints);
    expect(missing.problems).toEqual([expect.stringMatching(/^catalog\.endpoints: /)]);
    expect(refusal([], parseAdminEndpoints).problems).toHaveLength(1);
    expect(refusal('not json', parseAdminEndpoints).code).toBe('EADMINDOCUMENT');
  });
});

describe('parseAdminConfig', () => {
  it('refuses a document without its effective config, naming the field', () => {
    const doc = {
      source: 'consul',
      appliedAt: null,
      valid: true,
      rejected: [],
      documents: { defaults: {}, services: {} },
    };
    expect(refusal(doc, parseAdminConfig).problems).toEqual([expect.stringMatching(/^effective: /)]);
  });
});
