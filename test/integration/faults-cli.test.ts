import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulClient } from '../../proxy/consul/client.js';
import { FaultEngine, watchFaults } from '../../proxy/faults/index.js';
import { silentLogger } from '../../proxy/log.js';
import { faultRuleKey, faultsPrefix } from '../../proxy/schema/faults.js';
import type { FaultDocument } from '../../proxy/schema/faults.js';
import { Mesh } from '../../cli/mesh/mesh.js';
import { connectDocker } from '../../cli/runtime/docker.js';
import { ControlMeshActions } from '../../cli/tui/actions.js';
import { meshdev } from '../support/cli.js';
import { startConsul } from '../support/consul.js';
import type { ConsulAgent } from '../support/consul.js';
import { eventually } from '../support/http.js';

/**
 * `meshdev fault|partition|heal` against a real Consul agent, as a user runs them (the built CLI in
 * a child process), and a sidecar's fault engine watching the same KV with blocking queries.
 */

let consul: ConsulAgent;
let kv: ConsulClient;
let dir: string;
let file: string;
const watch = new AbortController();
const engine = new FaultEngine({ self: { service: 'catalog', version: 'v2', instance: 'catalog-3', ingress: false } });
let watching: Promise<void>;

async function keys(): Promise<string[]> {
  return (await kv.kvList(faultsPrefix('faulttest'), 0, 0)).value.map((e) => e.key).sort();
}
const cli = (...args: string[]) => meshdev([...args, '-f', file], { timeoutMs: 30_000 });

beforeAll(async () => {
  consul = await startConsul();
  kv = new ConsulClient(consul.url);
  dir = await mkdtemp(path.join(os.tmpdir(), 'meshdev-faulttest-'));
  file = path.join(dir, 'mesh.yaml');
  await writeFile(
    file,
    [
      'name: faulttest',
      `ports: { ingress: 18080, consul: ${consul.httpPort}, prometheus: 19090, grafana: 13000 }`,
      'services:',
      '  gateway: { image: busybox, port: 3000, ingress: true, upstreams: [catalog] }',
      '  catalog:',
      '    image: busybox',
      '    port: 3000',
      '    versions: { v1: { replicas: 2 }, v2: { replicas: 1 } }',
      '',
    ].join('\n'),
  );
  watching = watchFaults({
    consul: kv,
    mesh: 'faulttest',
    engine,
    log: silentLogger,
    signal: watch.signal,
    waitSeconds: 5,
  });
});

afterAll(async () => {
  watch.abort();
  await watching;
  await consul?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('meshdev fault', () => {
  let added: FaultDocument;

  it('add writes the document, prints when, and the sidecar engine applies it live', async () => {
    const r = await cli(
      'fault',
      'add',
      'catalog@v2',
      '--abort',
      '503',
      '--percent',
      '50',
      '--path',
      '/products',
      '--ttl',
      '4s',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as { at: string; key: string; fault: FaultDocument };
    added = out.fault;
    expect(Date.parse(out.at)).toBeGreaterThan(Date.now() - 30_000);
    expect(out.key).toBe(faultRuleKey('faulttest', added.id));
    const stored = JSON.parse((await kv.kvGet(out.key))!) as FaultDocument;
    expect(stored).toMatchObject({
      action: { type: 'abort', status: 503 },
      target: { service: 'catalog', version: 'v2' },
      percent: 50,
      match: { pathPrefix: '/products' },
    });
    expect(Date.parse(stored.expiresAt) - Date.parse(stored.createdAt)).toBe(4000);
    await eventually(() => engine.faults.some((f) => f.id === added.id), {
      what: 'the engine to see the fault',
      timeoutMs: 5000,
    });
  });

  it('add --flaky N --status S writes a flaky fault the engine applies; --tcp makes it count connections', async () => {
    const r = await cli('fault', 'add', 'catalog', '--flaky', '2', '--status', '500', '--ttl', '1m', '--json');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const flaky = (JSON.parse(r.stdout) as { fault: FaultDocument }).fault;
    expect(flaky).toMatchObject({ action: { type: 'flaky', first: 2, status: 500 }, percent: 100 });
    await eventually(() => engine.faults.some((f) => f.id === flaky.id), {
      what: 'the engine to see the flaky fault',
      timeoutMs: 5000,
    });
    expect((await cli('fault', 'ls')).stdout).toMatch(new RegExp(`${flaky.id}\\s+flaky: first 2 per caller get 500`));
    expect((await cli('fault', 'rm', flaky.id)).exitCode).toBe(0);
    const tcp = await cli('fault', 'add', 'catalog', '--flaky', '3', '--tcp', '--ttl', '1m', '--json');
    expect(tcp.exitCode).toBe(0);
    const tcpFlaky = (JSON.parse(tcp.stdout) as { fault: FaultDocument }).fault;
    expect(tcpFlaky.action).toEqual({ type: 'tcp-flaky', first: 3 });
    expect((await cli('fault', 'rm', tcpFlaky.id)).exitCode).toBe(0);
  });

  it('ls lists it (human and JSON)', async () => {
    const human = await cli('fault', 'ls');
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(
      new RegExp(`${added.id}\\s+abort 503\\s+catalog@v2\\s+inbound\\s+path /products\\*\\s+50%\\s+\\d`),
    );
    const json = JSON.parse((await cli('fault', 'ls', '--json')).stdout) as { faults: FaultDocument[] };
    expect(json.faults.map((f) => f.id)).toEqual([added.id]);
  });

  it.each([
    [['fault', 'add', 'catalgo', '--abort', '503'], /TARGET: "catalgo" is not a service/],
    [['fault', 'add', 'catalog', '--abort', '503', '--delay', '1s'], /--delay and --abort conflict/],
    [['fault', 'add', 'catalog', '--abort', '503', '--percent', '101'], /--percent: "101"/],
    [['fault', 'add', 'catalog', '--delay', '3 weeks'], /--delay: "3 weeks" is not a duration/],
    [['fault', 'add', 'catalog', '--bandwidth', 'lots'], /--bandwidth: "lots" is not a rate/],
    [['fault', 'add', 'catalog', '--flaky', 'some'], /--flaky: "some" is not a count/],
    [
      ['fault', 'add', 'catalog', '--flaky', '0'],
      /--flaky: "0" is not a count; expected a whole number from 1 to 1000000/,
    ],
    [['fault', 'add', 'catalog', '--abort', '503', '--status', '500'], /--status needs --flaky/],
    [['fault', 'add', 'catalog', '--flaky', '3', '--percent', '50'], /--percent: --flaky fails an exact count/],
    [['fault', 'add', 'catalog', '--flaky', '3', '--tcp', '--status', '500'], /--status has no meaning with --tcp/],
    [['fault', 'add', 'catalog-7', '--reset'], /"catalog-7" is not a service/],
    [['partition', 'gateway', 'nowhere'], /B: "nowhere" is not a service/],
    [['fault', 'rm'], /give a fault ID or --all/],
  ])('bad input %j: exit 2, precise message, nothing written', async (args, message) => {
    const before = await keys();
    const r = await cli(...args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(await keys()).toEqual(before);
  });

  it('a hand-written invalid document is rejected by the engine (with the problem visible); valid ones still apply', async () => {
    await kv.kvPut(faultRuleKey('faulttest', 'by-hand'), '{"id":"by-hand","action":{"type":"abort","status":9000}}');
    await eventually(() => engine.problems.some((p) => p.key.endsWith('/by-hand')), {
      what: 'the problem',
      timeoutMs: 5000,
    });
    expect(engine.faults.map((f) => f.id)).toEqual([added.id]);
    const ls = await cli('fault', 'ls');
    expect(ls.stdout).toMatch(
      /rejected documents \(not applied by the sidecars; every other one applies\):\n\s+meshdev\/faulttest\/faults\/rules\/by-hand\n\s+action\.status: /,
    );
    await kv.kvDelete(faultRuleKey('faulttest', 'by-hand'));
  });

  it('TTL: once expired, ls shows it expired and the engine no longer applies it (nobody deleted it)', async () => {
    const left = Date.parse(added.expiresAt) - Date.now();
    await new Promise((r) => setTimeout(r, Math.max(0, left) + 50));
    expect((await cli('fault', 'ls')).stdout).toMatch(new RegExp(`${added.id}.*expired`));
    expect(await keys()).toContain(faultRuleKey('faulttest', added.id));
    const ctx = { direction: 'inbound', protocol: 'http', path: '/products/1' } as const;
    expect(engine.decide(ctx)).toEqual([]);
  });

  it('rm removes one fault; rm of an unknown id is exit 2; rm --all removes the rest', async () => {
    const a = JSON.parse((await cli('fault', 'add', 'catalog-1', '--delay', '100ms', '--json')).stdout) as {
      fault: FaultDocument;
    };
    const b = JSON.parse(
      (await cli('fault', 'add', 'catalog', '--bandwidth', '10KiB/s', '--from', 'gateway', '--json')).stdout,
    ) as {
      fault: FaultDocument;
    };
    expect(b.fault).toMatchObject({ where: 'outbound', from: 'gateway', action: { bytesPerSecond: 10240 } });
    const r1 = await cli('fault', 'rm', a.fault.id);
    expect(r1.exitCode).toBe(0);
    expect(r1.stdout).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+ removed fault ${a.fault.id}$`));
    expect(await keys()).not.toContain(faultRuleKey('faulttest', a.fault.id));
    const r2 = await cli('fault', 'rm', 'f-nope');
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toMatch(/no fault "f-nope"; faults: /);
    const r3 = await cli('fault', 'rm', '--all');
    expect(r3.exitCode).toBe(0);
    expect(r3.stdout).toContain(b.fault.id);
    expect(await keys()).toEqual([]);
    await eventually(() => engine.faults.length === 0, { what: 'the engine to drop every fault', timeoutMs: 5000 });
  });
});

describe('meshdev partition / heal', () => {
  it('partition writes a symmetric partition the engine applies; heal A B removes it', async () => {
    const r = await cli('partition', 'gateway', 'catalog', '--ttl', '1m');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\S+ partitioned p-[0-9a-f]{6}: gateway <-\/-> catalog until \S+$/);
    await eventually(() => engine.partitionTowards('gateway') !== undefined, {
      what: 'partition applied',
      timeoutMs: 5000,
    });
    const other = await cli('partition', 'catalog', 'ingress');
    expect(other.exitCode).toBe(0);
    const h = await cli('heal', 'catalog', 'gateway');
    expect(h.stdout).toMatch(/healed 1 partition\(s\): p-/);
    await eventually(() => engine.partitionTowards('gateway') === undefined, {
      what: 'partition healed',
      timeoutMs: 5000,
    });
    expect(engine.partitionTowards('ingress')).toBeDefined();
    const all = await cli('heal');
    expect(all.stdout).toMatch(/healed 1 partition/);
    expect(await keys()).toEqual([]);
  });
});

describe('the terminal UI actions', () => {
  it('add, clear per target and clear all through the mesh control, as the CLI does', async () => {
    const mesh = await Mesh.load(file, { cwd: dir });
    const control = mesh.control({ consul: consul.url });
    // Docker is never reached here: fault actions only write Consul KV.
    const ui = new ControlMeshActions(control, connectDocker(), async () => undefined);
    await ui.addFault('catalog-2', { kind: 'delay', value: 250, percent: 50, ttlMs: 30_000 });
    await ui.addFault('catalog', { kind: 'bandwidth', value: 2048, percent: 100, ttlMs: 30_000 });
    const docs = (await control.listFaults()).faults;
    expect(docs.map((f) => [f.target, f.action, f.percent, f.createdBy])).toEqual(
      expect.arrayContaining([
        [{ service: 'catalog', instance: 'catalog-2' }, { type: 'delay', fixedMs: 250, jitterMs: 0 }, 50, 'meshdev ui'],
        [{ service: 'catalog' }, { type: 'bandwidth', bytesPerSecond: 2048 }, 100, 'meshdev ui'],
      ]),
    );
    await expect(
      ui.addFault('catalog', { kind: 'abort', value: 503, percent: 100, ttlMs: 30 * 3_600_000 }),
    ).rejects.toThrow(/ttlMs: "30h" is out of range; expected from 1s to 24h/);
    await ui.clearFaults('catalog-2');
    expect((await keys()).length).toBe(1);
    await ui.clearAllFaults();
    expect(await keys()).toEqual([]);
  });
});

describe('when Consul is not there', () => {
  it('fails with exit 1 and says where it looked', async () => {
    const r = await meshdev(['fault', 'ls', '-f', file, '--consul', 'http://127.0.0.1:1'], { timeoutMs: 30_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Consul at http:\/\/127\.0\.0\.1:1 did not answer/);
    expect(r.stderr).toMatch(/fix: Is the mesh up/);
  });
});
