import { describe, expect, it } from 'vitest';
import { parseSidecarEnv } from './main.js';

describe('MESHDEV_SIDECAR', () => {
  it('names every bad field', () => {
    const r = parseSidecarEnv({
      MESHDEV_SIDECAR: JSON.stringify({
        mesh: 'shop',
        service: 'Catalog',
        instanceId: 'x',
        upstreams: [{ service: 'pricing', listen: { port: 'a' } }],
      }),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.some((p) => p.startsWith('MESHDEV_SIDECAR: service: '))).toBe(true);
    expect(r.problems.some((p) => p.startsWith('MESHDEV_SIDECAR: instanceId: '))).toBe(true);
    expect(r.problems.some((p) => p.startsWith('MESHDEV_SIDECAR: upstreams[0].listen.port: '))).toBe(true);
  });
  it('rejects missing env, bad JSON and a sidecar without app', () => {
    expect(parseSidecarEnv({})).toMatchObject({ ok: false, problems: [expect.stringMatching(/not set/)] });
    expect(parseSidecarEnv({ MESHDEV_SIDECAR: '{' })).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/not valid JSON/)],
    });
    expect(
      parseSidecarEnv({
        MESHDEV_SIDECAR: JSON.stringify({ mesh: 'shop', service: 'catalog', instanceId: 'catalog-1' }),
      }),
    ).toMatchObject({
      ok: false,
      problems: ['MESHDEV_SIDECAR: app: required when mode is "sidecar"'],
    });
  });
  it('applies the documented defaults (ports, consul, version)', () => {
    const r = parseSidecarEnv({
      MESHDEV_SIDECAR: JSON.stringify({
        mesh: 'shop',
        service: 'catalog',
        instanceId: 'catalog-1',
        app: { port: 3000 },
      }),
    });
    expect(r.ok && r.bootstrap).toMatchObject({
      inbound: { host: '0.0.0.0', port: 15006 },
      admin: { host: '0.0.0.0', port: 15000 },
      consul: { url: 'http://127.0.0.1:8500', checkIntervalSeconds: 1 },
      version: 'v1',
      weight: 100,
    });
  });
});
