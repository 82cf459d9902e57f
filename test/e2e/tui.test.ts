import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, meshdev } from '../support/cli.js';
import { projectResources } from '../support/docker.js';

/**
 * The real `meshdev ui` in a real terminal (tmux, 100x30) against a running Docker mesh of its
 * own (ports apart from the demo's): kill an instance from the keyboard, inject an abort fault
 * through the fault menu, and read the results off the captured screen.
 */
const SESSION = `meshdev-tui-${process.pid}`;
const TOPOLOGY = `name: tuitest
ports: {ingress: 18180, consul: 18500, prometheus: 19190, grafana: 13100}
grafana: false
loadgen: {rate: 20}
services:
  gateway: {command: [service, gateway], port: 3000, ingress: true, upstreams: [catalog]}
  catalog: {command: [service, catalog], port: 3000, replicas: 3, upstreams: [pricing, inventory]}
  pricing: {command: [service, pricing], port: 3000}
  inventory: {command: [service, inventory], port: 3000}
`;

let dir: string;
let file: string;

async function screen(): Promise<string> {
  return (await execa('tmux', ['capture-pane', '-p', '-t', SESSION])).stdout;
}

async function keys(...k: string[]): Promise<void> {
  for (const key of k) {
    await execa('tmux', ['send-keys', '-t', SESSION, key]);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Waits (bounded) until the screen satisfies `ok`; fails with the last screen. */
async function waitForScreen(ok: (text: string) => boolean, timeoutMs: number, what: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await screen();
    if (ok(text)) return text;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last screen:\n${text}`);
}

function row(text: string, instance: string): string {
  return text.split('\n').find((l) => new RegExp(`^[> ] ${instance}\\s`).test(l)) ?? '';
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshdev-tui-'));
  file = join(dir, 'mesh.yaml');
  await writeFile(file, TOPOLOGY);
  const up = await meshdev(['up', '-f', file, '--detach', '--wait'], { cwd: dir });
  if (up.exitCode !== 0) throw new Error(`up failed:\n${up.stderr}`);
  await execa('tmux', ['new-session', '-d', '-s', SESSION, '-x', '100', '-y', '30', `node ${CLI} ui -f ${file}`], {
    cwd: dir,
    env: { NO_COLOR: '1' },
  });
});

afterAll(async () => {
  await execa('tmux', ['kill-session', '-t', SESSION], { reject: false });
  await meshdev(['down', '-f', file], { cwd: dir });
  expect((await projectResources('meshdev-tuitest')).containers).toEqual([]);
  await rm(dir, { recursive: true, force: true });
});

describe('meshdev ui in a real terminal', () => {
  it('shows the mesh healthy with client traffic', async () => {
    const text = await waitForScreen(
      (t) => /catalog\s+3\/3/.test(t) && /success 100/.test(t),
      60_000,
      'catalog 3/3 and 100% client success',
    );
    expect(text).toContain('meshdev tuitest');
  });

  it('kills an instance from the keyboard after confirmation and shows it down', async () => {
    await keys('Down', 'Enter');
    await waitForScreen((t) => t.includes('CATALOG INSTANCE'), 10_000, 'the catalog instances');
    await keys('Down', 'x');
    await waitForScreen((t) => /kill catalog-2/i.test(t), 10_000, 'the kill confirmation');
    await keys('y');
    const text = await waitForScreen(
      (t) => /exited/.test(row(t, 'catalog-2')) && /critical/.test(row(t, 'catalog-2')),
      30_000,
      'catalog-2 exited and critical',
    );
    expect(text).toMatch(/docker\s+catalog-2 killed/);
  });

  it('injects an abort fault from the fault menu: listed with its TTL, and callers eject the instance', async () => {
    await keys('Up', 'f');
    await waitForScreen((t) => t.includes('abort 503, 100%, 60s'), 10_000, 'the fault menu');
    await keys('Enter');
    const text = await waitForScreen(
      (t) => /catalog-1: abort 503 100%.*\((\d+)s left\)/.test(t),
      20_000,
      'the fault listed with its TTL',
    );
    expect(text).toMatch(/fault\s+.*catalog-1/);
    await waitForScreen((t) => /catalog-1 ejected by/.test(t), 60_000, 'the ejection in the event log');
  });

  it('scales catalog up with + (a new instance that passes) and down with - after confirmation', async () => {
    await keys('+');
    await waitForScreen(
      (t) => /running\s+passing/.test(row(t, 'catalog-4')),
      120_000,
      'catalog-4 listed, running and passing',
    );
    await keys('-');
    await waitForScreen((t) => t.includes('scale catalog down by one?'), 10_000, 'the scale-down confirmation');
    await keys('y');
    await waitForScreen((t) => row(t, 'catalog-4') === '' && /catalog\s+\d\/3/.test(t), 60_000, 'catalog-4 gone');
    const status = await meshdev(['status', '-f', file], { cwd: dir });
    expect(status.stdout).not.toContain('catalog-4');
  });

  it("follows the selected instance's logs with l, switches to its sidecar with s, and goes back with Esc", async () => {
    await keys('l');
    await waitForScreen((t) => t.includes('LOGS catalog-1 app'), 10_000, 'the log pane');
    await keys('s');
    // The sidecar writes one JSON access-log line per request it proxies.
    const text = await waitForScreen(
      (t) => t.includes('LOGS catalog-1 sidecar') && /^\{".*/m.test(t),
      30_000,
      "catalog-1's sidecar log lines",
    );
    expect(text).not.toContain('EVENTS');
    await keys('Escape');
    await waitForScreen((t) => t.includes('EVENTS') && !t.includes('LOGS catalog-1'), 10_000, 'the dashboard again');
    await keys('q');
  });
});
