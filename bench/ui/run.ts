/**
 * `npm run bench:ui`: the real `meshdev ui` in a real terminal (tmux) on a 20-instance mesh of its
 * own (ports apart from the demo's), refreshing every second. Measures, for the UI process only:
 * average CPU over a steady window (% of one core, from /proc utime+stime), peak RSS (VmHWM), and
 * how long from the key press that injects a fault (Enter on the fault menu's first preset) until
 * every sidecar's admin `/faults` lists it. Prints a table; exits 1 when a target is missed
 * (CPU <= 5%, RSS < 120 MB, fault <= 500 ms at the median and max).
 *
 * Env: WINDOW_S (default 60), ROUNDS (fault rounds, default 5), KEEP=1 leaves the mesh up,
 * UI_NODE_FLAGS for the UI's node (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it),
 * SHOW_SCREEN=1 prints the last captured screen.
 */
import { execa } from 'execa';
import Docker from 'dockerode';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
// MESHDEV_CLI: another build of the CLI (e.g. a package copy with its own runtime bundle).
const CLI = process.env.MESHDEV_CLI ?? join(ROOT, 'dist/bin/meshdev.mjs');
const WINDOW_S = Number(process.env.WINDOW_S ?? 60);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SESSION = `meshdev-bench-ui-${process.pid}`;
const PROJECT = 'meshdev-uibench';
const ADMIN_PORT = 15000;

// 20 instances: 2 + 7 + 4 + 2 + 5, in four services with two versions of pricing.
const TOPOLOGY = `name: uibench
ports: {ingress: 38180, consul: 38500, prometheus: 39190, grafana: 33100}
grafana: false
loadgen: {rate: 20}
services:
  gateway: {command: [service, gateway], port: 3000, ingress: true, replicas: 2, upstreams: [catalog]}
  catalog: {command: [service, catalog], port: 3000, replicas: 7, upstreams: [pricing, inventory]}
  pricing:
    command: [service, pricing]
    port: 3000
    versions:
      v1: {replicas: 4}
      v2: {replicas: 2, env: {DISCOUNT_PERCENT: 15}}
  inventory: {command: [service, inventory], port: 3000, replicas: 5}
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function tmux(...args: string[]): Promise<string> {
  return (await execa('tmux', args)).stdout;
}

async function screen(): Promise<string> {
  return tmux('capture-pane', '-p', '-t', SESSION);
}

async function waitForScreen(ok: (s: string) => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let s = '';
  while (Date.now() < deadline) {
    s = await screen();
    if (ok(s)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
}

/** utime + stime of a process, in seconds. */
async function cpuSeconds(pid: number, tick: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / tick;
}

async function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN);
}

async function sidecarAdmins(docker: Docker): Promise<string[]> {
  const list = await docker.listContainers({
    filters: { label: [`com.docker.compose.project=${PROJECT}`, 'dev.meshdev.role=sidecar'] },
  });
  return list.map((c) => {
    const ip = Object.values(c.NetworkSettings.Networks)[0]?.IPAddress;
    if (!ip) throw new Error(`no address for ${c.Names[0]}`);
    return `http://${ip}:${ADMIN_PORT}/faults`;
  });
}

interface FaultsView {
  faults: Array<{ target: { service?: string }; expired: boolean }>;
}

async function catalogFaultEverywhere(admins: string[], present: boolean): Promise<boolean> {
  const views = await Promise.all(
    admins.map(async (u) => {
      const res = await fetch(u, { signal: AbortSignal.timeout(1000) });
      return (await res.json()) as FaultsView;
    }),
  );
  return views.every((v) => v.faults.some((f) => !f.expired && f.target.service === 'catalog') === present);
}

/** Polls every sidecar every 10 ms until all agree; returns ms since `t0`. */
async function until(admins: string[], present: boolean, t0: number, timeoutMs = 10_000): Promise<number> {
  while (performance.now() - t0 < timeoutMs) {
    if (await catalogFaultEverywhere(admins, present).catch(() => false)) return performance.now() - t0;
    await sleep(10);
  }
  throw new Error(`fault ${present ? 'not in effect' : 'still in effect'} at every sidecar after ${timeoutMs} ms`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const work = await mkdtemp(join(tmpdir(), 'meshdev-bench-ui-'));
const file = join(work, 'mesh.yaml');
await writeFile(file, TOPOLOGY);
const meshdev = (...args: string[]) =>
  execa('node', [CLI, ...args, '-f', file], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
let failed = false;
try {
  process.stderr.write('starting a 20-instance mesh (uibench)...\n');
  await meshdev('down');
  await meshdev('up', '--detach', '--wait', '--timeout', '5m');
  const docker = new Docker();
  const admins = await sidecarAdmins(docker);
  if (admins.length !== 20) throw new Error(`expected 20 sidecars, found ${admins.length}`);
  const tick = Number((await execa('getconf', ['CLK_TCK'])).stdout);

  // `exec` so the pane's process is the UI itself, not a shell around it.
  await tmux(
    'new-session',
    '-d',
    '-s',
    SESSION,
    '-c',
    work,
    '-x',
    '120',
    '-y',
    '40',
    `exec node ${process.env.UI_NODE_FLAGS ?? ''} ${CLI} ui -f ${file} --yes`,
  );
  const pid = Number(await tmux('list-panes', '-t', SESSION, '-F', '#{pane_pid}'));
  await waitForScreen((s) => /catalog\s+7\/7/.test(s) && /success/.test(s), 90_000, 'the dashboard with catalog 7/7');
  await tmux('send-keys', '-t', SESSION, 'Down');
  await waitForScreen((s) => s.includes('> catalog'), 5000, 'catalog selected');
  await sleep(5000); // settle: first Prometheus answers, address caches

  process.stderr.write(`measuring the UI (pid ${pid}) for ${WINDOW_S} s...\n`);
  const c0 = await cpuSeconds(pid, tick);
  const t0 = performance.now();
  let peakRss = 0;
  while (performance.now() - t0 < WINDOW_S * 1000) {
    peakRss = Math.max(peakRss, await statusKb(pid, 'VmRSS'));
    await sleep(1000);
  }
  const cpuPct = (((await cpuSeconds(pid, tick)) - c0) / ((performance.now() - t0) / 1000)) * 100;
  const hwm = await statusKb(pid, 'VmHWM');

  const applied: number[] = [];
  const cleared: number[] = [];
  // The probe's own first use (fetch compiling its parser, 20 new connections) must not be counted
  // as the first round's latency: poll once before any key is pressed.
  await catalogFaultEverywhere(admins, false);
  for (let i = 0; i < ROUNDS; i++) {
    await tmux('send-keys', '-t', SESSION, 'f');
    await waitForScreen((s) => s.includes('abort 503, 100%, 60s'), 5000, 'the fault menu');
    const k0 = performance.now();
    await tmux('send-keys', '-t', SESSION, 'Enter');
    applied.push(await until(admins, true, k0));
    await sleep(500);
    const k1 = performance.now();
    await tmux('send-keys', '-t', SESSION, 'c');
    cleared.push(await until(admins, false, k1));
    process.stderr.write(
      `round ${i + 1}/${ROUNDS}: in effect ${applied.at(-1)!.toFixed(0)} ms, cleared ${cleared.at(-1)!.toFixed(0)} ms\n`,
    );
    await sleep(1000);
  }
  const finalScreen = await screen();
  await tmux('send-keys', '-t', SESSION, 'q');

  const rows: Array<[string, string, string, boolean]> = [
    ['UI CPU, average over the window', `${cpuPct.toFixed(2)} % of one core`, '<= 5 %', cpuPct <= 5],
    ['UI RSS, peak sampled in the window', `${(peakRss / 1024).toFixed(1)} MB`, '< 120 MB', peakRss / 1024 < 120],
    ['UI RSS, peak since start (VmHWM)', `${(hwm / 1024).toFixed(1)} MB`, '< 120 MB', hwm / 1024 < 120],
    [
      'key -> fault at all 20 sidecars, median',
      `${median(applied).toFixed(0)} ms`,
      '<= 500 ms',
      median(applied) <= 500,
    ],
    [
      'key -> fault at all 20 sidecars, max',
      `${Math.max(...applied).toFixed(0)} ms`,
      '<= 500 ms',
      Math.max(...applied) <= 500,
    ],
    ['key -> fault cleared everywhere, median', `${median(cleared).toFixed(0)} ms`, '(info)', true],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(
    `\nmeshdev ui on a 20-instance mesh, refresh 1 s, ${WINDOW_S} s window, ${ROUNDS} fault rounds (${new Date().toISOString().slice(0, 10)})\n`,
  );
  for (const [what, value, target, ok] of rows) {
    process.stdout.write(`${what.padEnd(w)}  ${value.padStart(22)}  ${target.padEnd(10)} ${ok ? 'ok' : 'MISSED'}\n`);
    if (!ok) failed = true;
  }
  process.stdout.write(`applied (ms): ${applied.map((x) => x.toFixed(0)).join(', ')}\n`);
  if (process.env.SHOW_SCREEN) process.stdout.write(`\n${finalScreen}\n`);
} finally {
  await execa('tmux', ['kill-session', '-t', SESSION], { reject: false });
  if (!process.env.KEEP) await meshdev('down').catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
