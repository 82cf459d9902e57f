import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshdev } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';
import { startConsul } from '../support/consul.js';
import type { ConsulAgent } from '../support/consul.js';

/**
 * `--json`: stdout is exactly one JSON document (progress and errors go to stderr), for every
 * command that needs no Docker engine, run as a user runs them (the built CLI) against a real
 * Consul agent. The commands that act on containers (up, down, scale, kill..., images, chaos run)
 * print their document the same way; the e2e tests run them on a real mesh.
 */

let consul: ConsulAgent;
let dir: string;

beforeAll(async () => {
  consul = await startConsul();
  dir = await mkdtemp(path.join(os.tmpdir(), 'meshdev-json-'));
  await writeFile(
    path.join(dir, 'mesh.yaml'),
    [
      'name: jsontest',
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
});

afterAll(async () => {
  await consul?.stop();
  await rm(dir, { recursive: true, force: true });
});

const run = (...args: string[]) =>
  meshdev(args, { cwd: dir, timeoutMs: 30_000, env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });

/** The whole of stdout parses as one JSON document. */
function json(r: CliResult): Record<string, unknown> {
  expect(r.stdout.trim().startsWith('{') || r.stdout.trim().startsWith('[')).toBe(true);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function ok(...args: string[]): Promise<Record<string, unknown>> {
  const r = await run(...args);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return json(r);
}

describe('--json prints one document on stdout', () => {
  it('fault add, ls, headers, rm', async () => {
    const added = await ok(
      'fault',
      'add',
      'catalog@v2',
      '--delay',
      '150ms',
      '--ttl',
      '1m30s',
      '--id',
      'f-json',
      '--json',
    );
    expect(added).toMatchObject({ key: 'meshdev/jsontest/faults/rules/f-json', fault: { id: 'f-json' } });
    const at = Date.parse(added.at as string);
    const fault = added.fault as { createdAt: string; expiresAt: string };
    expect(Date.parse(fault.expiresAt) - Date.parse(fault.createdAt)).toBe(90_000);
    expect(Math.abs(at - Date.parse(fault.createdAt))).toBeLessThan(5000);

    const listed = await ok('fault', 'ls', '--json');
    expect((listed.faults as { id: string }[]).map((f) => f.id)).toEqual(['f-json']);

    expect(await ok('fault', 'headers', 'on', '--max', '5', '--json')).toMatchObject({
      headerFaults: { enabled: true, maxActive: 5 },
    });
    expect(await ok('fault', 'rm', 'f-json', '--json')).toMatchObject({ removed: ['f-json'] });
    expect(await ok('fault', 'rm', '--all', '--json')).toMatchObject({ removed: [] });
  });

  it('partition and heal', async () => {
    const p = await ok('partition', 'gateway', 'catalog', '--ttl', '2m', '--id', 'p-json', '--json');
    expect(p).toMatchObject({ partition: { id: 'p-json', a: ['gateway'], b: ['catalog'] } });
    expect(await ok('heal', 'gateway', 'catalog', '--json')).toMatchObject({ healed: ['p-json'] });
  });

  it('policy set and get, split and split --clear', async () => {
    expect(await ok('policy', 'set', 'catalog', 'balancer=peak-ewma', '--json')).toEqual({
      key: 'meshdev/jsontest/config/services/catalog',
      stored: { balancer: 'peak-ewma' },
    });
    expect(await ok('policy', 'set', 'catalog', 'resilience.timeoutMs=4000', '--version', 'v2', '--json')).toEqual({
      key: 'meshdev/jsontest/config/services/catalog/versions/v2',
      stored: { resilience: { timeoutMs: 4000 } },
    });
    const split = await ok('split', 'catalog', 'v1=90', 'v2=10', '--json');
    expect(split).toEqual({
      key: 'meshdev/jsontest/config/services/catalog',
      split: { v1: 90, v2: 10 },
      stored: { balancer: 'peak-ewma', split: { v1: 90, v2: 10 } },
    });
    const got = await ok('policy', 'get', 'catalog', '--json');
    expect(got).toMatchObject({ stored: { balancer: 'peak-ewma', split: { v1: 90, v2: 10 } } });
    expect((got.effective as { balancer: string }).balancer).toBe('peak-ewma');
    expect(await ok('split', 'catalog', '--clear', '--json')).toMatchObject({ split: null });
  });

  it('schema is JSON without a flag', async () => {
    expect((await ok('schema')).title).toBe('meshdev topology (mesh.yaml)');
  });

  it('doctor: the report, also when a prerequisite is missing (exit 1, the summary on stderr)', async () => {
    const r = await run('doctor', '--json');
    const report = json(r);
    expect(Array.isArray(report.checks)).toBe(true);
    expect(r.exitCode).toBe(report.ok ? 0 : 1);
  });

  it('an error in --json mode leaves stdout empty: the message goes to stderr, with the exit code', async () => {
    const noDocker = await run('status', '--json');
    expect(noDocker.exitCode).toBe(1);
    expect(noDocker.stdout).toBe('');
    expect(noDocker.stderr).toMatch(/Cannot reach the Docker engine/);
    const bad = await run('policy', 'set', 'catalog', 'balancer=nope', '--json');
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/balancer/);
  });
});
