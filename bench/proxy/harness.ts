/**
 * The proxy benchmark's process and measurement plumbing, shared by run.ts (the table), sweep.ts and
 * ab-throughput.ts (node option / env levers) and mem-probe.ts: pinned child processes, the backend, wrk / fixed-rate
 * load, and /proc readings.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { NODE_BUNDLE } from '../../compose/node-bundle.mjs';
import type { LatencyStats } from './stats.js';
import { BACKEND_BODY } from './backend-response.js';

export const PROXY_CORE = '0';
export const LOAD_CORE = os.cpus().length > 1 ? '1' : '0';

/** Every process the benchmark started, so the caller can end them (and only them) on exit. */
export const children: ChildProcess[] = [];
export const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

export function pinned(core: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = hasTaskset
    ? spawn('taskset', ['-c', core, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
    : spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(child);
  return child;
}

/** Node flags written as one string (NODE_OPTIONS style) -> argv entries. */
export const splitFlags = (text: string): string[] => text.split(' ').filter((f) => f !== '');

/**
 * The Node binary meshdev runs on: BENCH_MESHDEV_NODE (e.g. the runtime image's LTS, which
 * `node .ci/lts-node.mjs DIR` fetches), else the host's. The references keep the host's.
 */
export const MESHDEV_NODE = process.env.BENCH_MESHDEV_NODE ?? process.execPath;

/**
 * meshdev's standalone proxy (meshdev-main.ts: `PORT UPSTREAM_PORT ACCESS_LOG_SAMPLE`) with `flags`, pinned to
 * the proxy core on a free port, on MESHDEV_NODE; the caller waits for the port (and may watch the child's stderr first).
 */
export async function spawnMeshdev(
  meshdevMain: string,
  backendPort: number,
  flags: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = pinned(
    PROXY_CORE,
    MESHDEV_NODE,
    [...flags, meshdevMain, String(port), String(backendPort), '0.01'],
    env,
  );
  return { child, port };
}

export function endChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
}

export function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** A system daemon's binary: on PATH, else in /usr/sbin (not on a normal user's PATH on Debian). */
export function findDaemon(bin: string): string | undefined {
  return which(bin) ?? (existsSync(`/usr/sbin/${bin}`) ? `/usr/sbin/${bin}` : undefined);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${stderr}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen on ${port}: ${stderr}`);
}

export function run(core: string, cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = pinned(core, cmd, args);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err}`)),
    );
  });
}

/** CPU time (user + system) a process and its direct children (nginx workers) have used so far, in ms. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  const kids = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(' ').filter(Boolean);
  let total = own;
  for (const k of kids) total += await cpuMs(Number(k));
  return total;
}

/** Linux CPU pressure (share of the last 60 s some runnable task waited for a CPU), or undefined. */
export async function cpuPressure(): Promise<string | undefined> {
  const text = await readFile('/proc/pressure/cpu', 'utf8').catch(() => '');
  return /some avg10=[\d.]+ avg60=([\d.]+)/.exec(text)?.[1];
}

export interface Memory {
  rss: number;
  /** RssAnon: private; the rest of RSS is file-backed, mostly the node binary's pages. */
  anon: number;
  /**
   * Proportional set size: shared pages divided by the number of processes mapping them. In a mesh every
   * sidecar maps the same node binary, so this is the honest per-sidecar cost (it depends on how many Node
   * processes are alive at the time: the benchmark's own are 2-5).
   */
  pss: number;
  threads: number;
}

const kb = (text: string, field: string) => {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text);
  return m === null ? NaN : Number(m[1]) / 1024;
};

export async function memoryMb(pid: number): Promise<Memory> {
  const [status, rollup] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''),
    readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''),
  ]);
  const threads = /^Threads:\s+(\d+)/m.exec(status);
  return {
    rss: kb(status, 'VmRSS'),
    anon: kb(status, 'RssAnon'),
    pss: kb(rollup, 'Pss'),
    threads: threads === null ? NaN : Number(threads[1]),
  };
}

export async function rssMb(pid: number): Promise<number> {
  return (await memoryMb(pid)).rss;
}

/** Median of the samples of the second half of a run (past warm-up: JIT compilation, first connections). */
export function steady(samples: readonly number[]): number {
  const late = samples.slice(Math.floor(samples.length / 2)).sort((a, b) => a - b);
  return late.length === 0 ? NaN : late[Math.floor(late.length / 2)]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]!;
}

export interface Target {
  name: string;
  port: number;
  pid?: number;
}

const autocannon = path.resolve('node_modules/autocannon/autocannon.js');
export const wrk = which('wrk');

/** Closed-loop max throughput: wrk when installed (C, leaves more of the load core to the backend), else autocannon. */
export async function throughput(
  t: Target,
  connections: number,
  seconds: number,
): Promise<{ rps: number; errors: number }> {
  const url = `http://127.0.0.1:${t.port}/`;
  if (wrk !== undefined) {
    await run(LOAD_CORE, wrk, ['-t1', `-c${connections}`, '-d2s', url]); // warm-up
    const out = await run(LOAD_CORE, wrk, ['-t1', `-c${connections}`, `-d${seconds}s`, url]);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const errors = non2xx + (sock === null ? 0 : sock.slice(1).reduce((a, b) => a + Number(b), 0));
    return { rps, errors };
  }
  await run(LOAD_CORE, process.execPath, [autocannon, '-c', String(connections), '-d', '2', '--json', url]); // warm-up
  const out = await run(LOAD_CORE, process.execPath, [
    autocannon,
    '-c',
    String(connections),
    '-d',
    String(seconds),
    '--json',
    url,
  ]);
  const j = JSON.parse(out.trim().split('\n').pop()!) as {
    requests: { average: number };
    errors: number;
    non2xx: number;
  };
  return { rps: j.requests.average, errors: j.errors + j.non2xx };
}

export type FixedRateResult = LatencyStats & {
  errors: number;
  /** Highest RSS sampled during the run. */
  rssMb: number;
  /** Median of the second half's samples. */
  steady: Memory;
  service: LatencyStats;
  lag: LatencyStats;
  cpuUs: number;
};

/** Open-loop load at `rate` rps (`gen`, see LoadGenerator), sampling the target's memory every 250 ms. */
export async function fixedRate(
  gen: LoadGenerator,
  t: Target,
  rate: number,
  seconds: number,
): Promise<FixedRateResult> {
  let peak = 0;
  const samples: Memory[] = [];
  const cpuBefore = t.pid === undefined ? NaN : await cpuMs(t.pid);
  const sampler =
    t.pid === undefined
      ? undefined
      : setInterval(
          () =>
            void memoryMb(t.pid!).then((m) => {
              peak = Math.max(peak, m.rss);
              samples.push(m);
            }),
          250,
        );
  const out =
    gen.kind === 'c'
      ? await run(LOAD_CORE, gen.path, ['127.0.0.1', String(t.port), '/', String(rate), String(seconds), '32'])
      : await run(LOAD_CORE, process.execPath, [
          gen.roles,
          'fixed-rate',
          `http://127.0.0.1:${t.port}/`,
          String(rate),
          String(seconds),
        ]);
  if (sampler !== undefined) clearInterval(sampler);
  const r = JSON.parse(out.trim()) as LatencyStats & { errors: number; service: LatencyStats; lag: LatencyStats };
  // CPU per request of the proxy process: unlike latency, barely moved by other jobs on the machine.
  const cpuUs = t.pid === undefined ? NaN : ((await cpuMs(t.pid)) - cpuBefore) * (1000 / r.count);
  const of = (k: keyof Memory) => steady(samples.map((m) => m[k]));
  return {
    ...r,
    rssMb: peak,
    steady: { rss: of('rss'), anon: of('anon'), pss: of('pss'), threads: of('threads') },
    cpuUs,
  };
}

/**
 * The fixed-rate load generator: fixed-rate.c (compiled here with the system's C compiler) unless
 * BENCH_GENERATOR=node or there is none; else roles.ts's `fixed-rate` (Node + undici, whose own GC
 * pauses and timer lateness land in every target's tail). Both correct coordinated omission the same
 * way and print the same JSON; `describe` says which one measured.
 */
export type LoadGenerator =
  { kind: 'c'; path: string; describe: string } | { kind: 'node'; roles: string; describe: string };

async function loadGenerator(dir: string, roles: string): Promise<LoadGenerator> {
  const node: LoadGenerator = { kind: 'node', roles, describe: 'roles.ts fixed-rate (Node, undici Pool of 32)' };
  if (process.env.BENCH_GENERATOR === 'node') return node;
  const out = path.join(dir, 'fixed-rate');
  const cc = spawnSync('cc', ['-O2', '-o', out, path.resolve('bench/proxy/fixed-rate.c')], { encoding: 'utf8' });
  if (cc.status !== 0) {
    process.stderr.write(`bench: no C load generator (${cc.error?.message ?? cc.stderr.trim()}); using the Node one\n`);
    return node;
  }
  return { kind: 'c', path: out, describe: 'fixed-rate.c (C, epoll, 32 keep-alive connections)' };
}

/** Bundles roles.ts and meshdev-main.ts into `dir` with the options of the sidecars' own bundle; builds the load generator. */
export async function buildBundles(
  dir: string,
): Promise<{ roles: string; meshdevMain: string; generator: LoadGenerator }> {
  const roles = path.join(dir, 'roles.mjs');
  const meshdevMain = path.join(dir, 'meshdev.mjs');
  for (const [entry, outfile] of [
    ['bench/proxy/roles.ts', roles],
    ['bench/proxy/meshdev-main.ts', meshdevMain],
  ] as const) {
    await build({ ...NODE_BUNDLE, entryPoints: [path.resolve(entry)], outfile });
  }
  return { roles, meshdevMain, generator: await loadGenerator(dir, roles) };
}

/**
 * The meshdev bundle of another git revision (`BENCH_BASELINE=main~3`), so a change to the data path is
 * measured against what it replaces in the same run, in interleaved rounds. The revision is exported with
 * `git archive` into `dir` and bundled with this checkout's node_modules.
 */
export async function buildBaselineBundle(dir: string, revision: string): Promise<string> {
  const tree = path.join(dir, 'baseline');
  await mkdir(tree, { recursive: true });
  const archive = spawnSync('sh', ['-c', `git archive "$0" | tar -x -C "$1"`, revision, tree], { encoding: 'utf8' });
  if (archive.status !== 0) throw new Error(`BENCH_BASELINE=${revision}: git archive failed: ${archive.stderr}`);
  await symlink(path.resolve('node_modules'), path.join(tree, 'node_modules'));
  const outfile = path.join(dir, 'meshdev-baseline.mjs');
  await build({ ...NODE_BUNDLE, entryPoints: [path.join(tree, 'bench/proxy/meshdev-main.ts')], outfile });
  return outfile;
}

/** nginx's temp paths inside `dir` (it checks them at start even when nothing uses them). */
export const nginxTempPaths = (dir: string) =>
  ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${dir}/${k};`).join(' ');

/**
 * nginx as the backend: one worker, `return 200` of the Node backend's body. Same headers as Node's
 * (content-type, content-length, date, `connection: keep-alive`, `keep-alive: timeout=65`) plus nginx's
 * `server: nginx`; no request limit per connection (nginx closes a keep-alive connection after 1000
 * requests by default, Node never), so no proxy pays reconnections the Node backend would not cause.
 */
export function nginxBackendConfig(dir: string, port: number): string {
  return `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log; daemon off;
events { worker_connections 4096; }
http { access_log off; server_tokens off; ${nginxTempPaths(dir)}
  keepalive_timeout 65 65; keepalive_requests 100000000; default_type application/json;
  server { listen 127.0.0.1:${port} backlog=4096; location / { return 200 '${BACKEND_BODY}'; } } }
`;
}

export interface Backend {
  kind: 'nginx' | 'node';
  port: number;
  pid?: number;
}

/**
 * The one backend every target forwards to, on the load core. nginx when installed: the Node backend
 * saturates its core next to wrk at the proxies' peak (the proxy core then idles ~20% waiting for it),
 * which caps every target at the backend's speed and compresses the ratios. `prefer` = BENCH_BACKEND.
 */
export async function startBackend(tmp: string, roles: string, prefer?: string): Promise<Backend> {
  const port = await freePort();
  const nginx = findDaemon('nginx');
  if (nginx !== undefined && prefer !== 'node') {
    const dir = path.join(tmp, 'nginx-backend');
    await mkdir(dir, { recursive: true });
    const conf = path.join(dir, 'nginx.conf');
    await writeFile(conf, nginxBackendConfig(dir, port));
    const child = pinned(LOAD_CORE, nginx, ['-p', dir, '-c', conf, '-e', `${dir}/error.log`]);
    await waitForPort(port, child, 'nginx backend');
    return { kind: 'nginx', port, pid: child.pid };
  }
  const child = pinned(LOAD_CORE, process.execPath, [roles, 'backend', String(port)]);
  await waitForPort(port, child, 'backend');
  return { kind: 'node', port, pid: child.pid };
}

export const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '-');
