import Docker from 'dockerode';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ensureImages } from '../../cli/images/index.js';
import { removeOlderTags } from '../../cli/images/ensure.js';
import { DEBIAN_BASE_IMAGE, LOCAL_IMAGES, RUNTIME_NODE } from '../../cli/images/refs.js';

/**
 * Really builds the air-gapped images (Debian base by debootstrap when absent, node, consul,
 * prometheus from Debian packages, then the runtime image) and checks each one honours the
 * contract the rendered Compose file relies on. Existing images are reused, so this takes seconds
 * on a machine that has them and about two minutes on a fresh one.
 */
const docker = new Docker();

async function run(image: string, entrypoint: string, args: string[]): Promise<string> {
  const r = await execa('docker', ['run', '--rm', '--entrypoint', entrypoint, image, ...args], {
    stdin: 'ignore',
    all: true,
  });
  return r.all ?? '';
}

describe('air-gapped images', () => {
  it(
    'builds local equivalents from Debian packages and leaves Grafana out with a notice',
    { timeout: 900_000 },
    async () => {
      const lines: string[] = [];
      const first = await ensureImages({ airgap: true, grafana: true, onProgress: (l) => lines.push(l), env: {} });
      expect(first.airgap).toBe(true);
      expect(first.consul).toBe(LOCAL_IMAGES.consul);
      expect(first.prometheus).toBe(LOCAL_IMAGES.prometheus);
      expect(first.grafana).toBeUndefined();
      expect(first.notices.join('\n')).toMatch(/Grafana is left out/);
      expect(first.runtime).toMatch(/^meshdev\/runtime:\d+\.\d+\.\d+\S*-[0-9a-f]{12}$/);
      expect((await docker.getImage(DEBIAN_BASE_IMAGE).inspect()).Id).toMatch(/^sha256:/);
      // Builds announce every step: never minutes of silence.
      for (const d of first.details.filter((x) => x.origin === 'built')) {
        expect(lines.some((l) => l.startsWith(`${d.image}: Step 1/`))).toBe(true);
      }

      // Image contract: consul on PATH.
      expect(await run(first.consul, 'consul', ['version'])).toMatch(/Consul v1\.8\.7/);
      // prometheus and promtool on PATH, and Consul service discovery compiled in.
      expect(await run(first.prometheus, 'prometheus', ['--version'])).toMatch(/prometheus, version 2\./);
      const probe =
        'printf "scrape_configs:\\n  - job_name: p\\n    consul_sd_configs: [{server: \\"consul:8500\\"}]\\n" > /tmp/p.yml && promtool check config /tmp/p.yml';
      expect(await run(first.prometheus, 'sh', ['-c', probe])).toMatch(/SUCCESS/);
      // The runtime image: the pinned LTS Node, bash (healthchecks), the bundle as the entrypoint.
      const version = RUNTIME_NODE.version.replaceAll('.', '\\.');
      expect(await run(first.runtime, 'bash', ['-c', 'node --version && pwd && ls /opt/meshdev'])).toMatch(
        new RegExp(`^v${version}\\n/opt/meshdev\\nchunks\\nmeshdev-runtime\\.mjs\\n`),
      );
      // The sidecar's upstream client parses with Node's own llhttp binding (`_http_common`):
      // it must load on this line without a deprecation warning turning into an error.
      expect(
        await run(first.runtime, 'node', [
          '--throw-deprecation',
          '-e',
          "console.log(typeof require('_http_common').HTTPParser.prototype.execute)",
        ]),
      ).toBe('function');
      // No untagged leftovers of meshdev's builds (fetch stages, replaced tags).
      const leftovers = await docker.listImages({
        filters: JSON.stringify({ dangling: ['true'], label: ['dev.meshdev.build-stage'] }),
      });
      expect(leftovers).toEqual([]);
      const runtimeConfig = (await docker.getImage(first.runtime).inspect()).Config;
      expect(runtimeConfig.Entrypoint).toEqual(['node', '/opt/meshdev/meshdev-runtime.mjs']);
      expect(runtimeConfig.WorkingDir).toBe('/opt/meshdev');

      // A second call reuses everything: nothing is built again.
      const started = Date.now();
      const second = await ensureImages({ airgap: true, grafana: true, onProgress: () => {}, env: {} });
      expect(second.details.map((d) => d.origin)).toEqual(['present', 'present', 'present', 'omitted', 'present']);
      expect(second.runtime).toBe(first.runtime);
      expect(Date.now() - started).toBeLessThan(15_000);
    },
  );

  it('after a rebuild, older runtime images go unless a container still uses them', { timeout: 300_000 }, async () => {
    const current = (await ensureImages({ airgap: true, grafana: false, onProgress: () => {}, env: {} })).runtime;
    const older = async (tag: string, label: string) => {
      await execa('docker', ['build', '-q', '-t', tag, '-'], {
        input: `FROM ${current}\nLABEL meshdev.test=${label}\n`,
      });
    };
    const unused = 'meshdev/runtime:0.0.0-test-unused';
    const used = 'meshdev/runtime:0.0.0-test-used';
    await older(unused, 'unused');
    await older(used, 'used');
    const container = await docker.createContainer({ Image: used, name: `meshdev-test-prune-${process.pid}` });
    try {
      expect(await removeOlderTags(docker, current)).toBeGreaterThanOrEqual(1);
      const tags = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []);
      expect(tags).not.toContain(unused);
      expect(tags).toContain(used);
      expect(tags).toContain(current);
    } finally {
      await container.remove({ force: true });
      await docker
        .getImage(used)
        .remove()
        .catch(() => undefined);
    }
  });

  it('in auto mode, a failing pull switches to air-gapped mode quickly and says so', { timeout: 900_000 }, async () => {
    // An image that exists nowhere: the pull fails whether or not a registry answers.
    const env = { MESHDEV_CONSUL_IMAGE: 'meshdev-test.invalid/no-such-consul:0.0.0' };
    const resolved = await ensureImages({ airgap: 'auto', grafana: false, onProgress: () => {}, env });
    expect(resolved.airgap).toBe(true);
    expect(resolved.consul).toBe(LOCAL_IMAGES.consul);
    const notice = resolved.notices.find(
      (n) => n.includes('meshdev-test.invalid/no-such-consul') || n.includes('No registry answered'),
    );
    expect(notice).toMatch(/switching to air-gapped mode/);
    const pullSeconds = Number(/failed after ([\d.]+) s/.exec(notice ?? '')?.[1]);
    expect(pullSeconds).toBeLessThan(25);
  });
});
