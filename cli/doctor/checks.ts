import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateAptShell, privateSourcesList } from './apt-sources.js';
import { installExecutable, PRIVATE_APT_DIR, PRIVATE_SUITES, systemDebianMirror } from './apt.js';
import { DOCKER_PID_FILE, DOCKERD_LOG, gatherDockerdAction, probeEngine, startDockerd } from './dockerd.js';
import { runCommand } from './exec.js';
import { nodeSupport } from './node-support.js';
import type { NodeHost } from './node-support.js';
import type { Check, CheckResult, FixContext } from './types.js';
import {
  classifyEngineFailure,
  parseComposeVersion,
  parseConsulVersion,
  parseDebootstrapVersion,
  parsePrometheusVersion,
} from './versions.js';
import { findExecutable } from './which.js';
import { INVOCATION, meshdevCommand } from '../invocation.js';

export const COMPOSE_PLUGIN_PATH = '/usr/local/lib/docker/cli-plugins/docker-compose';
export const CONSUL_PATH = '/usr/local/bin/consul';

const START_DOCKERD_SHELL =
  `{ [ -f ${DOCKER_PID_FILE} ] && ! kill -0 "$(cat ${DOCKER_PID_FILE})" 2>/dev/null && rm -f ${DOCKER_PID_FILE}; } ; ` +
  `nohup dockerd >>${DOCKERD_LOG} 2>&1 &`;

/** The shell lines that set up the private apt state, as `doctor` prints them in fixes. */
function privateAptSetupShell(mirror: string): string {
  const d = PRIVATE_APT_DIR;
  const list = privateSourcesList(mirror, PRIVATE_SUITES).trim().split('\n');
  return [
    `mkdir -p ${d}/lists/partial ${d}/cache/archives/partial`,
    `printf '%s\\n' ${list.map((l) => `'${l}'`).join(' ')} > ${d}/sources.list`,
    `apt-get ${privateAptShell(d)} update`,
  ].join('\n');
}

/** The Node.js running this process: a warning (never a failure) once its line is past its end of life. */
export function nodeCheck(
  version: string = process.version,
  now: () => Date = () => new Date(),
  host: NodeHost = { platform: process.platform, arch: process.arch },
): Check {
  return {
    name: 'node',
    title: 'Node.js',
    required: true,
    purpose: 'runs meshdev, and a line past its end of life gets no security fixes',
    fix: 'Install a supported LTS line of Node.js (https://nodejs.org).',
    async run(): Promise<CheckResult> {
      const support = nodeSupport(version, now(), host);
      // A line newer than the table is judged by nobody here: reported as found, not flagged.
      if (support.status === 'unknown') return { status: 'ok', detail: support.detail };
      return support;
    },
  };
}

function dockerEngineCheck(): Check {
  const fix = `apt-get install -y docker.io   # only if dockerd is not installed\n${START_DOCKERD_SHELL}`;
  return {
    name: 'docker-engine',
    title: 'Docker engine',
    required: true,
    purpose: 'runs the mesh',
    fix,
    async run(): Promise<CheckResult> {
      const probe = await probeEngine();
      if ('version' in probe) return { status: 'ok', detail: `engine ${probe.version}` };
      if (probe.notFound)
        return { status: 'fail', detail: 'the docker CLI is not installed', fix: 'apt-get install -y docker.io' };
      const firstLine = probe.error.split('\n')[0] ?? '';
      switch (classifyEngineFailure(probe.error)) {
        case 'permission-denied':
          return {
            status: 'fail',
            detail: `no permission on the Docker socket (${firstLine})`,
            fix: `usermod -aG docker "$USER"   # then log in again (or run meshdev with sudo: sudo ${INVOCATION.cli} ...)`,
          };
        case 'not-running':
          return { status: 'fail', detail: 'no engine answers (dockerd is not running)' };
        default:
          return { status: 'fail', detail: firstLine || 'docker version failed' };
      }
    },
    async apply(ctx: FixContext): Promise<string> {
      let action = await gatherDockerdAction();
      if (action.kind === 'none') return 'the engine already answers';
      let installed = '';
      if (action.kind === 'install' || (await findExecutable('docker')) === undefined) {
        ctx.progress('apt-get install docker.io');
        await ctx.apt.install(['docker.io']);
        installed = 'installed docker.io; ';
        action = await gatherDockerdAction();
        if (action.kind === 'none') return `${installed}the engine answers`;
      }
      if (action.kind === 'install') throw new Error('dockerd is still missing after installing docker.io');
      const version = await startDockerd(action, ctx.progress);
      return `${installed}${action.kind === 'start' ? 'started' : 'waited for'} dockerd, engine ${version} answers`;
    },
  };
}

function composeCheck(mirror: string): Check {
  const fix = [
    privateAptSetupShell(mirror),
    `cd "$(mktemp -d)" && apt-get ${privateAptShell(PRIVATE_APT_DIR)} download docker-compose/trixie`,
    `dpkg -x docker-compose_*.deb x && install -D -m 755 x/usr/libexec/docker/cli-plugins/docker-compose ${COMPOSE_PLUGIN_PATH}`,
  ].join('\n');
  return {
    name: 'compose-v2',
    title: 'Docker Compose v2',
    required: true,
    purpose: 'brings the mesh up and down',
    fix,
    async run(): Promise<CheckResult> {
      const r = await runCommand('docker', ['compose', 'version'], { timeoutMs: 20_000 });
      if (r.notFound)
        return { status: 'fail', detail: 'the docker CLI is not installed', fix: 'apt-get install -y docker.io' };
      const parsed = parseComposeVersion(`${r.stdout}\n${r.stderr}`);
      if (r.ok && parsed?.isV2) return { status: 'ok', detail: `compose ${parsed.version}` };
      if (parsed && !parsed.isV2)
        return { status: 'fail', detail: `compose ${parsed.version} is the old Python v1; v2 is needed` };
      return { status: 'fail', detail: '`docker compose` is not available (the Compose v2 plugin is missing)' };
    },
    async apply(ctx: FixContext): Promise<string> {
      if ((await this.run()).status === 'ok') return 'already installed';
      ctx.progress('downloading docker-compose from trixie (private apt state, system sources untouched)');
      const root = await ctx.apt.fetchFromSuite('docker-compose', 'trixie');
      await installExecutable(join(root, 'usr/libexec/docker/cli-plugins/docker-compose'), COMPOSE_PLUGIN_PATH);
      const after = await this.run();
      if (after.status !== 'ok')
        throw new Error(`Compose v2 still missing after installing ${COMPOSE_PLUGIN_PATH}: ${after.detail}`);
      return `installed ${COMPOSE_PLUGIN_PATH} (${after.detail})`;
    },
  };
}

function debootstrapCheck(): Check {
  return {
    name: 'debootstrap',
    title: 'debootstrap',
    required: false,
    purpose: `builds the Debian base image for air-gapped mode (\`${meshdevCommand('images --airgap')}\`)`,
    fix: 'apt-get install -y debootstrap',
    async run(): Promise<CheckResult> {
      const bin = await findExecutable('debootstrap');
      if (bin === undefined) return { status: 'missing', detail: 'not installed' };
      const r = await runCommand(bin, ['--version'], { timeoutMs: 10_000 });
      return { status: 'ok', detail: parseDebootstrapVersion(r.stdout) ?? bin };
    },
    async apply(ctx: FixContext): Promise<string> {
      ctx.progress('apt-get install debootstrap');
      await ctx.apt.install(['debootstrap']);
      return 'installed debootstrap';
    },
  };
}

function consulCheck(mirror: string): Check {
  const fix = [
    privateAptSetupShell(mirror),
    `cd "$(mktemp -d)" && apt-get ${privateAptShell(PRIVATE_APT_DIR)} download consul/bullseye`,
    `dpkg -x consul_*.deb x && install -m 755 x/usr/bin/consul ${CONSUL_PATH}`,
  ].join('\n');
  return {
    name: 'consul',
    title: 'consul binary',
    required: false,
    purpose: 'a Docker-less mesh (future) runs the Consul agent directly',
    fix,
    async run(): Promise<CheckResult> {
      const r = await runCommand('consul', ['version'], { timeoutMs: 10_000 });
      const v = parseConsulVersion(r.stdout);
      return r.ok && v !== undefined
        ? { status: 'ok', detail: `consul ${v}` }
        : { status: 'missing', detail: 'not on PATH' };
    },
    async apply(ctx: FixContext): Promise<string> {
      ctx.progress('downloading consul from bullseye (private apt state, system sources untouched)');
      const root = await ctx.apt.fetchFromSuite('consul', 'bullseye');
      await installExecutable(join(root, 'usr/bin/consul'), CONSUL_PATH);
      return `installed ${CONSUL_PATH}`;
    },
  };
}

/** A scrape config that only parses when the build has Consul service discovery. */
const CONSUL_SD_PROBE = 'scrape_configs:\n  - job_name: probe\n    consul_sd_configs: [{ server: "127.0.0.1:8500" }]\n';

async function supportsConsulSd(): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'meshdev-promprobe-'));
  try {
    await writeFile(join(dir, 'probe.yml'), CONSUL_SD_PROBE);
    return (await runCommand('promtool', ['check', 'config', join(dir, 'probe.yml')], { timeoutMs: 10_000 })).ok;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function prometheusCheck(mirror: string): Check {
  return {
    name: 'prometheus',
    title: 'prometheus binary',
    required: false,
    purpose: 'a Docker-less mesh (future) runs Prometheus directly, discovering sidecars through Consul',
    // Bullseye's build (2.24): bookworm's and trixie's leave out Consul service discovery. Only the
    // binaries: the package would also set up a system service listening on :9090.
    fix: [
      privateAptSetupShell(mirror),
      `cd "$(mktemp -d)" && apt-get ${privateAptShell(PRIVATE_APT_DIR)} download prometheus/bullseye`,
      'dpkg -x prometheus_*.deb x && install -m 755 x/usr/bin/prometheus x/usr/bin/promtool /usr/local/bin/',
    ].join('\n'),
    async run(): Promise<CheckResult> {
      const r = await runCommand('prometheus', ['--version'], { timeoutMs: 10_000 });
      const v = parsePrometheusVersion(`${r.stdout}\n${r.stderr}`);
      if (!r.ok || v === undefined) return { status: 'missing', detail: 'not on PATH' };
      if ((await findExecutable('promtool')) === undefined)
        return { status: 'missing', detail: `prometheus ${v}, but no promtool` };
      if (!(await supportsConsulSd())) {
        return { status: 'missing', detail: `prometheus ${v} is built without Consul service discovery` };
      }
      return { status: 'ok', detail: `prometheus ${v}, with Consul service discovery` };
    },
    async apply(ctx: FixContext): Promise<string> {
      ctx.progress('downloading prometheus from bullseye (binaries only, no service; private apt state)');
      const root = await ctx.apt.fetchFromSuite('prometheus', 'bullseye');
      for (const bin of ['prometheus', 'promtool'])
        await installExecutable(join(root, 'usr/bin', bin), `/usr/local/bin/${bin}`);
      return 'installed /usr/local/bin/prometheus and promtool';
    },
  };
}

/** Every prerequisite, in the order they are checked and fixed (the engine before Compose). */
export async function createChecks(): Promise<Check[]> {
  const mirror = await systemDebianMirror();
  return [
    nodeCheck(),
    dockerEngineCheck(),
    composeCheck(mirror),
    debootstrapCheck(),
    consulCheck(mirror),
    prometheusCheck(mirror),
  ];
}
