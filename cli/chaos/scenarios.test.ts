import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_TOPOLOGY_PATH, parseTopology } from '../mesh/load.js';
import { resolveMesh } from '../mesh/model.js';
import { PACKAGE_ROOT } from '../version.js';
import { parseScenario } from './load.js';

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
      /x.yaml: steps\[0\]: policy.service: "catalgo" is not a service of the mesh/,
    );
    expect(() => parseScenario(step('{ service: catalog, set: { balancer: fastest } }'), 'x.yaml', mesh)).toThrow(
      /x.yaml: steps\[0\]: policy.set: balancer: /,
    );
    expect(() =>
      parseScenario(step('{ service: pricing, version: v9, set: { balancer: random } }'), 'x.yaml', mesh),
    ).toThrow(/policy.version: pricing has no version "v9"/);
  });
  it('a target that is not in the topology is an error naming the step', () => {
    const text = 'name: x\nduration: 10s\nsteps: [{ at: 1s, kill: catalog-9 }]\nobjectives: [{ successRate: 99 }]\n';
    expect(() => parseScenario(text, 'x.yaml', mesh)).toThrow(
      /x.yaml: steps\[0\]: INSTANCE: "catalog-9" is not an instance/,
    );
  });
});
