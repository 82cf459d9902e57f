import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { startConsul } from '../support/consul.js';
import type { ConsulAgent } from '../support/consul.js';
import { eventually, request, startHttpServer } from '../support/http.js';
import type { TestServer } from '../support/http.js';
import { startTestSidecar } from '../support/sidecar.js';
import { serviceKey } from '../../proxy/schema/config.js';
import type { RunningSidecar } from '../../proxy/sidecar.js';
import { ConsulClient } from '../../proxy/consul/client.js';
import { registerPolicy } from '../../cli/commands/policy.js';
import { registerSplit } from '../../cli/commands/split.js';
import { UsageError } from '../../cli/errors.js';

interface ConfigView {
  valid: boolean;
  rejected: { key: string; problems: string[]; inEffect: string }[];
  effective: Record<string, { balancer: string; resilience: { retries: { maxRetries: number } } }>;
}
interface PolicyShown {
  stored: { balancer?: string };
  effective: { resilience: { retries: { maxRetries: number } } };
}

/**
 * Live config through a real Consul agent: `meshdev split` / `meshdev policy set` change routing and
 * balancing of running sidecars without dropped requests; invalid documents are rejected (last good
 * kept, visible in /config and metrics); Consul going away does not stop traffic.
 */

let consul: ConsulAgent;
const apps: TestServer[] = [];
const sidecars: RunningSidecar[] = [];

async function instance(
  service: string,
  id: string,
  version: string,
  upstreams: string[] = [],
): Promise<RunningSidecar> {
  const app = await startHttpServer((req, res) => {
    if (req.url === '/healthz') return res.end('ok');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ instance: id, version }));
  });
  apps.push(app);
  const s = await startTestSidecar(
    consul.url,
    {
      service,
      instanceId: id,
      version,
      app: { port: app.port },
      upstreams: upstreams.map((u) => ({ service: u, listen: { host: '127.0.0.1', port: 0 } })),
    },
    { registrationRecheckMs: 300 },
  );
  sidecars.push(s);
  return s;
}

async function cli(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerPolicy(program);
  registerSplit(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync([...args, '--consul', consul.url, '--mesh', 'shop'], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return out;
}

let gateway: RunningSidecar;
let outbound: string;

async function versionsServed(n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await request(`${outbound}/price`);
    expect(r.status).toBe(200);
    const v = (JSON.parse(r.body) as { version: string }).version;
    counts[v] = (counts[v] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  consul = await startConsul();
  await instance('pricing', 'pricing-1', 'v1');
  await instance('pricing', 'pricing-2', 'v2');
  gateway = await instance('gateway', 'gateway-1', 'v1', ['pricing']);
  outbound = `http://127.0.0.1:${gateway.listeners.find((l) => l.direction === 'outbound')!.boundPort}`;
  await eventually(async () => Object.keys(await versionsServed(6)).length === 2, {
    timeoutMs: 15_000,
    what: 'both pricing versions served',
  });
});

afterAll(async () => {
  await Promise.allSettled(sidecars.map((s) => s.stop()));
  await Promise.allSettled(apps.map((a) => a.close()));
  await consul?.stop();
});

describe('live config', () => {
  it('`meshdev split` moves traffic between versions without restart or dropped requests', async () => {
    // Keep traffic flowing during the change; every request must succeed.
    let stop = false;
    const statuses: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 400 && !stop; i++) statuses.push((await request(`${outbound}/price`)).status);
    })();
    expect(await cli('split', 'pricing', 'v2=100')).toMatch(/split pricing: v2=100/);
    await eventually(async () => JSON.stringify(await versionsServed(10)) === JSON.stringify({ v2: 10 }), {
      timeoutMs: 5000,
      what: 'all traffic on v2',
    });
    stop = true;
    await loop;
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);

    await cli('split', 'pricing', 'v1=90', 'v2=10');
    await eventually(async () => {
      const c = await versionsServed(40);
      return (c.v1 ?? 0) >= 28 && (c.v1 ?? 0) < 40 + 1;
    });
  });

  it('`meshdev policy set` switches the balancer live; /config shows it', async () => {
    await cli('policy', 'set', 'pricing', 'balancer=peak-ewma', 'resilience.retries.maxRetries=1');
    await eventually(async () => {
      const cfg = JSON.parse((await request(`http://127.0.0.1:${gateway.adminPort}/config`)).body) as ConfigView;
      return (
        cfg.effective.pricing?.balancer === 'peak-ewma' && cfg.effective.pricing?.resilience.retries.maxRetries === 1
      );
    });
    const eps = JSON.parse((await request(`http://127.0.0.1:${gateway.adminPort}/endpoints`)).body) as Record<
      string,
      { balancer: string }
    >;
    expect(eps.pricing?.balancer).toBe('peak-ewma');
    const shown = JSON.parse(await cli('policy', 'get', 'pricing', '--json')) as PolicyShown;
    expect(shown.stored.balancer).toBe('peak-ewma');
    expect(shown.effective.resilience.retries.maxRetries).toBe(1);
  });

  it('the CLI refuses invalid values and writes nothing', async () => {
    await expect(cli('policy', 'set', 'pricing', 'balancer=fastest')).rejects.toBeInstanceOf(UsageError);
    await expect(
      cli('policy', 'set', 'pricing', 'resilience.retries.backoffBaseMs=500', 'resilience.retries.backoffMaxMs=100'),
    ).rejects.toThrow(/backoffBaseMs/);
    // Bad input: a UsageError (exit 2), not an internal error (exit 1).
    await expect(cli('split', 'pricing', 'v1=ninety')).rejects.toBeInstanceOf(UsageError);
    await expect(cli('split', 'pricing', 'v1=ninety')).rejects.toThrow(/VERSION=WEIGHT/);
    const shown = JSON.parse(await cli('policy', 'get', 'pricing', '--json')) as PolicyShown;
    expect(shown.stored.balancer).toBe('peak-ewma');
  });

  it("an invalid document written behind the CLI's back is rejected; its last good version stays and the error is visible", async () => {
    const kv = new ConsulClient(consul.url);
    await kv.kvPut(serviceKey('shop', 'pricing'), JSON.stringify({ balancer: 'fastest', split: { v1: 100 } }));
    const cfg = await eventually(async () => {
      const c = JSON.parse((await request(`http://127.0.0.1:${gateway.adminPort}/config`)).body) as ConfigView;
      return c.valid === false ? c : undefined;
    });
    expect(cfg.rejected).toMatchObject([
      { key: serviceKey('shop', 'pricing'), problems: [expect.stringMatching(/^balancer: /)], inEffect: 'last-good' },
    ]);
    expect(cfg.effective.pricing?.balancer).toBe('peak-ewma');
    const metrics = (await request(`http://127.0.0.1:${gateway.adminPort}/metrics`)).body;
    expect(metrics).toMatch(/meshdev_config_rejections_total 1/);
    expect(metrics).toMatch(/meshdev_config_valid 0/);
    // Still the last good split (v1=90 v2=10), not the rejected v1=100... and traffic flows.
    // 100 requests: with v2 at 10%, seeing none by chance is 0.9^100 (3e-5); 30 failed one run in ~25.
    const c = await versionsServed(100);
    expect(c.v2 ?? 0).toBeGreaterThan(0);
    // Fixing it applies again.
    await kv.kvPut(serviceKey('shop', 'pricing'), JSON.stringify({ balancer: 'least-request' }));
    await eventually(async () => {
      const c2 = JSON.parse((await request(`http://127.0.0.1:${gateway.adminPort}/config`)).body) as ConfigView;
      return c2.valid === true && c2.effective.pricing?.balancer === 'least-request';
    });
  });

  it('Consul stopped: traffic keeps flowing on the last known endpoints; restarted: instances register again', async () => {
    await consul.kill();
    for (let i = 0; i < 20; i++) expect((await request(`${outbound}/price`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect(Object.keys(await versionsServed(10)).length).toBeGreaterThan(0);
    await consul.restart();
    await eventually(
      async () => {
        const res = await fetch(`${consul.url}/v1/health/service/pricing?passing=true`);
        return ((await res.json()) as unknown[]).length === 2;
      },
      { timeoutMs: 20_000, what: 'pricing instances registered and passing again' },
    );
    for (let i = 0; i < 10; i++) expect((await request(`${outbound}/price`)).status).toBe(200);
  });
});
