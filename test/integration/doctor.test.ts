import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Apt } from '../../cli/doctor/apt.js';
import { runDoctor } from '../../cli/doctor/doctor.js';

/**
 * The real prerequisites of this machine, and the real download path of `doctor --fix`: packages
 * from trixie and bullseye through a private apt state (in a temporary directory here), without
 * touching the system's sources. Installation itself is not repeated (it would replace binaries
 * in /usr/local), but every file it copies is checked to be there and to run.
 */
describe('doctor', () => {
  it('reports the engine and Compose v2 of this machine as passing', async () => {
    const report = await runDoctor({ fix: false, onProgress: () => {} });
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName['docker-engine']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^engine \d+\.\d+/) });
    expect(byName['compose-v2']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^compose 2\./) });
    expect(report.ok).toBe(true);
  });

  describe('private apt downloads (root)', () => {
    let dir: string;
    let apt: Apt;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'meshdev-apt-'));
      apt = new Apt(dir);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('fetches Compose v2 from trixie: the plugin binary is there and is v2', { timeout: 180_000 }, async () => {
      const root = await apt.fetchFromSuite('docker-compose', 'trixie');
      const plugin = join(root, 'usr/libexec/docker/cli-plugins/docker-compose');
      await access(plugin, constants.X_OK);
      const r = await execa(plugin, ['version'], { stdin: 'ignore' });
      expect(r.stdout).toMatch(/Docker Compose version v?2\./);
    });

    it('fetches consul from bullseye', { timeout: 180_000 }, async () => {
      const root = await apt.fetchFromSuite('consul', 'bullseye');
      const r = await execa(join(root, 'usr/bin/consul'), ['version'], { stdin: 'ignore' });
      expect(r.stdout).toMatch(/Consul v1\.8\.7/);
    });

    it('fetches a prometheus from bullseye that has Consul service discovery', { timeout: 180_000 }, async () => {
      const root = await apt.fetchFromSuite('prometheus', 'bullseye');
      const probe = join(dir, 'probe.yml');
      await writeFile(
        probe,
        'scrape_configs:\n  - job_name: p\n    consul_sd_configs: [{ server: "127.0.0.1:8500" }]\n',
      );
      const r = await execa(join(root, 'usr/bin/promtool'), ['check', 'config', probe], { stdin: 'ignore', all: true });
      expect(r.all).toMatch(/SUCCESS/);
      await access(join(root, 'usr/bin/prometheus'), constants.X_OK);
    });

    it('leaves the system apt sources alone', async () => {
      const r = await execa('grep', ['-rlE', 'trixie|bullseye', '/etc/apt/sources.list.d'], {
        reject: false,
        stdin: 'ignore',
      });
      expect(r.stdout.trim()).toBe('');
    });
  });
});
