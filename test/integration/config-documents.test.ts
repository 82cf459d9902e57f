import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFault } from '../../cli/commands/fault.js';
import { registerPolicy } from '../../cli/commands/policy.js';
import { UsageError } from '../../cli/errors.js';
import { PolicyStore } from '../../cli/control/policy-store.js';
import { ConsulKv } from '../../cli/runtime/consul-kv.js';
import { ConsulClient } from '../../proxy/consul/client.js';
import { defaultsKey, serviceKey } from '../../proxy/schema/config.js';
import { MAX_FAULTS, faultRuleKey } from '../../proxy/schema/faults.js';
import type { RunningSidecar } from '../../proxy/sidecar.js';
import { startConsul } from '../support/consul.js';
import type { ConsulAgent } from '../support/consul.js';
import { eventually, request, startHttpServer } from '../support/http.js';
import type { TestServer } from '../support/http.js';
import { startTestSidecar } from '../support/sidecar.js';

/**
 * Hand-written documents in a real Consul, watched by a real sidecar: a bad document is rejected by
 * its key and the rest applies (live config and faults alike); faults beyond the limits are rejected
 * per key; `meshdev policy get` and `meshdev fault ls` show it all without asking a sidecar.
 */

interface ConfigView {
  valid: boolean;
  rejected: { key: string; problems: string[]; inEffect: string }[];
  effective: Record<string, { balancer: string; resilience: { timeoutMs: number } }>;
}
interface FaultsView {
  faults: { id: string }[];
  invalid: { key: string; message: string }[];
}

let consul: ConsulAgent;
let kv: ConsulClient;
let app: TestServer;
let gateway: RunningSidecar;
let dir: string;
let meshFile: string;

const admin = async (p: string) => (await request(`http://127.0.0.1:${gateway.adminPort}${p}`)).body;
const config = async () => JSON.parse(await admin('/config')) as ConfigView;
const GHOST = serviceKey('shop', 'ghost');
const PRICING = serviceKey('shop', 'pricing');

/** Runs a meshdev command in this process (as the CLI would) and returns what it printed. */
async function cli(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerPolicy(program);
  registerFault(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return out;
}
const policy = (...args: string[]) => cli('policy', ...args, '--consul', consul.url, '--mesh', 'shop');

beforeAll(async () => {
  consul = await startConsul();
  kv = new ConsulClient(consul.url);
  app = await startHttpServer((_req, res) => res.end('ok'));
  gateway = await startTestSidecar(consul.url, {
    service: 'gateway',
    instanceId: 'gateway-1',
    version: 'v1',
    app: { port: app.port },
    upstreams: [{ service: 'pricing', listen: { host: '127.0.0.1', port: 0 } }],
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'meshdev-config-documents-'));
  meshFile = path.join(dir, 'mesh.yaml');
  await writeFile(
    meshFile,
    [
      'name: shop',
      `ports: { ingress: 18080, consul: ${consul.httpPort}, prometheus: 19090, grafana: 13000 }`,
      'services:',
      '  gateway: { image: busybox, port: 3000, ingress: true, upstreams: [pricing] }',
      '  pricing: { image: busybox, port: 3000 }',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await gateway?.stop();
  await app?.close();
  await consul?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('live config, document by document', () => {
  it('a bad document for a service that does not exist does not stop a change to defaults', async () => {
    await kv.kvPut(GHOST, JSON.stringify({ balancer: 'fastest' }));
    await eventually(async () => (await config()).valid === false, { what: 'ghost rejected' });
    await policy('set', '--defaults', 'balancer=least-request');
    const cfg = await eventually(
      async () => {
        const c = await config();
        return c.effective.pricing?.balancer === 'least-request' ? c : undefined;
      },
      { what: 'the defaults change applied' },
    );
    expect(cfg.rejected).toEqual([
      {
        key: GHOST,
        problems: [expect.stringMatching(/^balancer: /) as string],
        inEffect: 'none',
        at: expect.any(String),
      },
    ]);
    const metrics = await admin('/metrics');
    expect(metrics).toContain(`meshdev_config_rejected_documents{key="${GHOST}"} 1`);
    expect(metrics).toContain('meshdev_config_rejections_total 1');
    expect(metrics).toContain('meshdev_config_valid 0');

    // The CLI shows it without asking a sidecar.
    const shown = JSON.parse(await policy('get', 'pricing', '--json')) as {
      rejected: { key: string }[];
      effective: { balancer: string };
    };
    expect(shown.rejected.map((r) => r.key)).toEqual([GHOST]);
    expect(shown.effective.balancer).toBe('least-request');
    expect(await policy('get', 'pricing')).toMatch(
      new RegExp(`# rejected documents[^\\n]*\\n.*\\n${GHOST}\\n  balancer: `),
    );
  });

  it('a typo in a service keeps its last good document while defaults still change', async () => {
    await policy('set', 'pricing', 'balancer=peak-ewma');
    await eventually(async () => (await config()).effective.pricing?.balancer === 'peak-ewma');
    await kv.kvPut(PRICING, '{"balancer": "random",');
    await eventually(async () => (await config()).rejected.some((r) => r.key === PRICING));
    await policy('set', '--defaults', 'resilience.timeoutMs=7000');
    const cfg = await eventually(async () => {
      const c = await config();
      return c.effective.pricing?.resilience.timeoutMs === 7000 ? c : undefined;
    });
    expect(cfg.effective.pricing?.balancer).toBe('peak-ewma');
    expect(cfg.rejected.find((r) => r.key === PRICING)).toMatchObject({
      inEffect: 'last-good',
      problems: [expect.stringMatching(/^not JSON/)],
    });
  });

  it('an empty value is rejected with its reason, not a silent reset; {} from the CLI deletes the key', async () => {
    await kv.kvPut(defaultsKey('shop'), '  ');
    const cfg = await eventually(async () => {
      const c = await config();
      return c.rejected.some((r) => r.key === defaultsKey('shop')) ? c : undefined;
    });
    expect(cfg.rejected.find((r) => r.key === defaultsKey('shop'))?.problems).toEqual([
      'empty document; delete the key to inherit the settings above it',
    ]);
    expect(cfg.effective.pricing?.resilience.timeoutMs).toBe(7000);
    await new PolicyStore(new ConsulKv(consul.url), 'shop').write({ kind: 'defaults' }, {});
    expect(await kv.kvGet(defaultsKey('shop'))).toBeUndefined();
    await eventually(async () => (await config()).effective.pricing?.resilience.timeoutMs === 15_000, {
      what: 'defaults inherited again',
    });
  });

  it('the CLI refuses a write that would make the sidecars reject another document', async () => {
    await kv.kvPut(PRICING, JSON.stringify({ resilience: { retries: { backoffBaseMs: 100 } } }));
    await expect(policy('set', '--defaults', 'resilience.retries.backoffMaxMs=50')).rejects.toThrow(
      new RegExp(`${PRICING}: resilience.retries.backoffBaseMs \\(100\\) must not exceed .*this write would make`),
    );
    await expect(policy('set', '--defaults', 'resilience.retries.backoffMaxMs=50')).rejects.toBeInstanceOf(UsageError);
    expect(await kv.kvGet(defaultsKey('shop'))).toBeUndefined();
  });

  it('deleting the bad keys clears the rejections', async () => {
    await kv.kvDelete(GHOST);
    await kv.kvDelete(PRICING);
    await eventually(async () => (await config()).valid === true, { what: 'no rejected document' });
    const metrics = await admin('/metrics');
    expect(metrics).not.toMatch(/meshdev_config_rejected_documents\{/);
    expect(metrics).toContain('meshdev_config_valid 1');
  });
});

describe('faults in KV are bounded', () => {
  const fault = (id: string, expiresAt: string) =>
    JSON.stringify({
      id,
      action: { type: 'delay', fixedMs: 10 },
      target: { service: 'pricing' },
      createdAt: new Date().toISOString(),
      expiresAt,
    });
  const id = (i: number) => `f-${String(i).padStart(3, '0')}`;

  it(`of 300 fault keys the first ${MAX_FAULTS} created apply, the rest are rejected by key`, async () => {
    const expiresAt = new Date(Date.now() + 10 * 60_000).toISOString();
    // Created from the highest id down: creation order decides, not the id.
    for (let i = 299; i >= 0; i--) await kv.kvPut(faultRuleKey('shop', id(i)), fault(id(i), expiresAt));
    const view = await eventually(
      async () => {
        const v = JSON.parse(await admin('/faults')) as FaultsView;
        return v.faults.length + v.invalid.length === 300 ? v : undefined;
      },
      { what: 'all 300 fault keys judged', timeoutMs: 20_000 },
    );
    expect(view.faults.map((f) => f.id).sort()).toEqual(
      Array.from({ length: MAX_FAULTS }, (_, k) => id(299 - k)).sort(),
    );
    expect(view.invalid.map((p) => p.key).sort()).toEqual(
      Array.from({ length: 44 }, (_, k) => faultRuleKey('shop', id(k))),
    );
    expect(view.invalid[0]!.message).toMatch(/beyond the limit of 256 faults per mesh/);
    expect(await admin('/metrics')).toContain('meshdev_fault_documents_invalid 44');
  });

  it('an expiry in year 9999 is rejected; `meshdev fault ls` shows every rejected key and why', async () => {
    await kv.kvPut(faultRuleKey('shop', 'forever'), fault('forever', '9999-12-31T23:59:59.000Z'));
    const view = await eventually(async () => {
      const v = JSON.parse(await admin('/faults')) as FaultsView;
      return v.invalid.some((p) => p.key.endsWith('/forever')) ? v : undefined;
    });
    expect(view.invalid.find((p) => p.key.endsWith('/forever'))?.message).toMatch(
      /^expiresAt: 9999-12-31T23:59:59.000Z is more than 24h from now/,
    );
    const listed = await cli('fault', 'ls', '-f', meshFile);
    expect(listed).toMatch(/rejected documents \(not applied by the sidecars; every other one applies\):/);
    expect(listed).toContain(
      `  ${faultRuleKey('shop', 'forever')}\n    expiresAt: 9999-12-31T23:59:59.000Z is more than 24h`,
    );
    expect(listed).toContain(`  ${faultRuleKey('shop', id(0))}\n    beyond the limit of 256 faults per mesh`);
  });
});
