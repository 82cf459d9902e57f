import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_TOPOLOGY_PATH, parseTopology } from '../mesh/load.js';
import { resolveMesh } from '../mesh/model.js';
import { PACKAGE_ROOT } from '../version.js';
import { UsageError } from '../errors.js';
import { loadScenario, parseScenario } from './load.js';

const mesh = resolveMesh(parseTopology(readFileSync(DEMO_TOPOLOGY_PATH, 'utf8'), 'mesh.yaml'));
const dir = join(PACKAGE_ROOT, 'services/demo/chaos');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('shipped chaos scenarios', () => {
  it('exist (kill, pause, slow, abort, partition)', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });
  it.each(files)('%s is valid against the demo topology', (f) => {
    const { plan } = parseScenario(readFileSync(join(dir, f), 'utf8'), f, mesh);
    expect(plan.events.length).toBeGreaterThan(0);
  });
  it('a policy step is checked against the topology and the policy schema before anything runs', () => {
    const step = (policy: string) =>
      `name: x\nduration: 10s\nsteps: [{ at: 1s, policy: ${policy} }]\nobjectives: [{ successRate: 99 }]\n`;
    expect(() =>
      parseScenario(step('{ service: catalog, set: { balancer: peak-ewma } }'), 'x.yaml', mesh),
    ).not.toThrow();
    expect(() =>
      parseScenario(
        step('{ service: pricing, version: v2, set: { resilience.perTryTimeoutMs: 500 } }'),
        'x.yaml',
        mesh,
      ),
    ).not.toThrow();
    expect(() => parseScenario(step('{ service: catalgo, set: { balancer: random } }'), 'x.yaml', mesh)).toThrow(
      /x.yaml: steps\[0\]: policy.service: "catalgo" is not a service of mesh shop; services: gateway, catalog/,
    );
    expect(() => parseScenario(step('{ service: catalog, set: { balancer: fastest } }'), 'x.yaml', mesh)).toThrow(
      /x.yaml: steps\[0\]: policy.set: balancer: /,
    );
    expect(() =>
      parseScenario(step('{ service: pricing, version: v9, set: { balancer: random } }'), 'x.yaml', mesh),
    ).toThrow(/policy.version: pricing has no version "v9"/);
  });
  it('a fault step is checked by the control domain, its messages naming the fields of the file', () => {
    const step = (fault: string) =>
      `name: x\nduration: 10s\nsteps: [{ at: 1s, fault: ${fault} }]\nobjectives: [{ successRate: 99 }]\n`;
    expect(() => parseScenario(step('{ target: catalog, abort: 503, percent: 50 }'), 'x.yaml', mesh)).not.toThrow();
    expect(() => parseScenario(step('{ target: catalog, abort: 503, percent: 150 }'), 'x.yaml', mesh)).toThrow(
      /x\.yaml: steps\[0\]: fault\.percent: "150" is not a percentage; expected a number from 0 to 100/,
    );
    expect(() => parseScenario(step('{ target: catalog, delay: 11m }'), 'x.yaml', mesh)).toThrow(
      /steps\[0\]: fault\.delay: "11m" is out of range; expected at most 10m/,
    );
    expect(() => parseScenario(step('{ target: catalog, abort: 503, reset: true }'), 'x.yaml', mesh)).toThrow(
      /steps\[0\]: fault\.abort and fault\.reset conflict/,
    );
    expect(() => parseScenario(step('{ target: catalog, jitter: 5ms, abort: 503 }'), 'x.yaml', mesh)).toThrow(
      /fault\.jitter needs fault\.delay/,
    );
    expect(() => parseScenario(step('{ target: catalog, tcp: true, abort: 503 }'), 'x.yaml', mesh)).toThrow(
      /fault\.abort has no TCP variant; with fault\.tcp use fault\.delay, fault\.reset, fault\.bandwidth or fault\.flaky/,
    );
    expect(() => parseScenario(step('{ target: catalog, flaky: 3, status: 500 }'), 'x.yaml', mesh)).not.toThrow();
    expect(() => parseScenario(step('{ target: catalog, flaky: 0 }'), 'x.yaml', mesh)).toThrow(
      /steps\[0\]: fault\.flaky: "0" is not a count/,
    );
    expect(() => parseScenario(step('{ target: catalog, abort: 503, status: 500 }'), 'x.yaml', mesh)).toThrow(
      /fault\.status needs fault\.flaky/,
    );
    expect(() => parseScenario(step('{ target: catalog-9, abort: 503 }'), 'x.yaml', mesh)).toThrow(
      /steps\[0\]: fault\.target: "catalog-9" is not a service, service@version or instance/,
    );
  });
  it('a target that is not in the topology is an error naming the step', () => {
    const text = 'name: x\nduration: 10s\nsteps: [{ at: 1s, kill: catalog-9 }]\nobjectives: [{ successRate: 99 }]\n';
    expect(() => parseScenario(text, 'x.yaml', mesh)).toThrow(
      /x.yaml: steps\[0\]: INSTANCE: "catalog-9" is not an instance/,
    );
  });
});

describe('a hostile scenario file', () => {
  const valid = 'name: x\nduration: 10s\nsteps: [{ at: 1s, kill: catalog-2 }]\nobjectives: [{ successRate: 99 }]\n';
  const refusal = (text: string | Uint8Array): UsageError => {
    try {
      parseScenario(text, 'x.yaml', mesh);
    } catch (err) {
      if (err instanceof UsageError) return err;
      throw err;
    }
    throw new Error('accepted');
  };

  it('is refused with exit 2 and file:line:col for YAML it cannot take as data', () => {
    expect(refusal(`${valid}name: y\n`).message).toMatch(/x\.yaml:5:1: .*name/);
    expect(refusal('name: x\nduration: *nope\n').message).toMatch(/x\.yaml:2:11: duration: the alias \*nope/);
    expect(
      refusal(`a: &a [${'x,'.repeat(10)}]\nb: &b [${'*a,'.repeat(10)}]\nc: [${'*b,'.repeat(10)}]\n`).message,
    ).toMatch(/alias/);
    expect(refusal(`${'['.repeat(100_000)}`).message).toMatch(/x\.yaml:1:\d+: .*nest/);
    expect(refusal('name: !!js/function "x"\n').message).toMatch(/x\.yaml:1:\d+: name: .*tag/);
    expect(refusal(Buffer.from([0x6e, 0x3a, 0x20, 0xff, 0x0a])).message).toMatch(/x\.yaml:1:4: .*UTF-8/);
    expect(refusal(`${valid}name: y\n`).exitCode).toBe(2);
  });

  it('points at the field of a schema problem', () => {
    const e = refusal(
      'name: x\nduration: 10s\nsteps: [{ at: 10, kill: catalog-2 }]\nobjectives: [{ successRate: 99 }]\n',
    );
    expect(e.message).toMatch(/x\.yaml:3:\d+: steps\[0\]\.at: a duration with a unit/);
  });

  it('is read only when it is a regular file, without blocking on a pipe', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshdev-scenario-'));
    try {
      const fifo = join(dir, 'fifo.yaml');
      execFileSync('mkfifo', [fifo]);
      await expect(loadScenario(fifo, mesh)).rejects.toThrow(
        `scenario ${fifo} is a named pipe (FIFO), not a regular file`,
      );
      await expect(loadScenario(dir, mesh)).rejects.toThrow(`scenario ${dir} is a directory, not a regular file`);
      await expect(loadScenario(join(dir, 'missing.yaml'), mesh)).rejects.toThrow(/cannot read scenario .*ENOENT/);
      const big = join(dir, 'big.yaml');
      await writeFile(big, `# ${'x'.repeat(300 * 1024)}\n${valid}`);
      await expect(loadScenario(big, mesh)).rejects.toThrow(/big\.yaml: \d+ bytes; a scenario may have at most 262144/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
