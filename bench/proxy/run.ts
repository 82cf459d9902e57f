/**
 * Proxy benchmark: one run, one table, ratios against references measured in the same run.
 *
 *   npx vite-node bench/proxy/run.ts            (the lead's `npm run bench:proxy`)
 *
 * Same backend for every target; proxies pinned to core 0, backend and load generator to core 1
 * (taskset). Targets: direct to the backend, meshdev (standalone, all features on: balancer,
 * retries, outlier detection, circuit breaker, metrics, traceparent, 1% access log), node-http-proxy
 * with a keep-alive agent, and nginx and haproxy when installed.
 *
 * Env: BENCH_SECONDS (throughput run per target and round, default 5), BENCH_LATENCY_SECONDS (fixed-rate run,
 * default 5), BENCH_ROUNDS (default 3), BENCH_RATE (default 1000), BENCH_CONNECTIONS (default 50), BENCH_SOAK_SECONDS (e.g. 300:
 * also soak meshdev at the fixed rate and report RSS growth), BENCH_ACCESS_LOG_SAMPLE (default 0.01),
 * BENCH_NODE_FLAGS (node flags for meshdev; default: the sidecar's own, proxy/node-options.ts),
 * BENCH_REFERENCE_NODE_FLAGS (node flags for node-http-proxy; default none, as it is usually run).
 *
 * Besides latency from when each request was due, the table has the service time (from when it was sent),
 * the proxy's CPU time per request at the fixed rate (robust to other jobs on the machine, unlike latency),
 * and RSS both in a fresh process at the fixed rate and after the max-throughput runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { LatencyStats } from './stats.js';
import { SIDECAR_NODE_OPTIONS } from '../../proxy/node-options.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 0);
/** Interleaved rounds per target (the median is reported). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ACCESS_LOG_SAMPLE = process.env.BENCH_ACCESS_LOG_SAMPLE ?? '0.01';
const flags = (text: string) => text.split(' ').filter((f) => f !== '');
/** meshdev runs with the flags the sidecars ship with; node-http-proxy with Node's defaults. */
const NODE_FLAGS = flags(process.env.BENCH_NODE_FLAGS ?? SIDECAR_NODE_OPTIONS);
const REFERENCE_NODE_FLAGS = flags(process.env.BENCH_REFERENCE_NODE_FLAGS ?? '');
const PROXY_CORE = '0';
const LOAD_CORE = os.cpus().length > 1 ? '1' : '0';

const children: ChildProcess[] = [];
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

function pinned(core: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = hasTaskset
    ? spawn('taskset', ['-c', core, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
    : spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(child);
  return child;
}

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
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

function run(core: string, cmd: string, args: string[]): Promise<string> {
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
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  const kids = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(' ').filter(Boolean);
  let total = own;
  for (const k of kids) total += await cpuMs(Number(k));
  return total;
}

/** Linux CPU pressure (share of the last 60 s some runnable task waited for a CPU), or undefined. */
async function cpuPressure(): Promise<string | undefined> {
  const text = await readFile('/proc/pressure/cpu', 'utf8').catch(() => '');
  return /some avg10=[\d.]+ avg60=([\d.]+)/.exec(text)?.[1];
}

async function rssMb(pid: number): Promise<number> {
  return (await memoryMb(pid)).rss;
}

/**
 * RSS, and its private part (RssAnon): the rest is file-backed, mostly the node binary's own pages,
 * which every Node process on the machine shares (22 of them in the demo mesh).
 */
async function memoryMb(pid: number): Promise<{ rss: number; anon: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const rss = /VmRSS:\s+(\d+) kB/.exec(status);
  const anon = /RssAnon:\s+(\d+) kB/.exec(status);
  return { rss: rss === null ? NaN : Number(rss[1]) / 1024, anon: anon === null ? NaN : Number(anon[1]) / 1024 };
}

/** Median of the samples of the second half of a run (past warm-up: JIT compilation, first connections). */
function steady(samples: readonly number[]): number {
  const late = samples.slice(Math.floor(samples.length / 2)).sort((a, b) => a - b);
  return late.length === 0 ? NaN : late[Math.floor(late.length / 2)]!;
}

interface Target {
  name: string;
  port: number;
  pid?: number;
}

const autocannon = path.resolve('node_modules/autocannon/autocannon.js');

const wrk = which('wrk');

/** Closed-loop max throughput: wrk when installed (C, leaves more of the load core to the backend), else autocannon. */
async function throughput(t: Target): Promise<{ rps: number; errors: number }> {
  const url = `http://127.0.0.1:${t.port}/`;
  if (wrk !== undefined) {
    await run(LOAD_CORE, wrk, ['-t1', `-c${CONNECTIONS}`, '-d2s', url]); // warm-up
    const out = await run(LOAD_CORE, wrk, ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, url]);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const errors = non2xx + (sock === null ? 0 : sock.slice(1).reduce((a, b) => a + Number(b), 0));
    return { rps, errors };
  }
  await run(LOAD_CORE, process.execPath, [autocannon, '-c', String(CONNECTIONS), '-d', '2', '--json', url]); // warm-up
  const out = await run(LOAD_CORE, process.execPath, [
    autocannon,
    '-c',
    String(CONNECTIONS),
    '-d',
    String(SECONDS),
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

async function fixedRate(
  roles: string,
  t: Target,
  seconds: number,
): Promise<
  LatencyStats & {
    errors: number;
    rssMb: number;
    steadyRssMb: number;
    steadyAnonMb: number;
    service: LatencyStats;
    lag: LatencyStats;
    cpuUs: number;
  }
> {
  let peak = 0;
  const rss: number[] = [];
  const anon: number[] = [];
  const cpuBefore = t.pid === undefined ? NaN : await cpuMs(t.pid);
  const sampler =
    t.pid === undefined
      ? undefined
      : setInterval(
          () =>
            void memoryMb(t.pid!).then((m) => {
              peak = Math.max(peak, m.rss);
              rss.push(m.rss);
              anon.push(m.anon);
            }),
          250,
        );
  const out = await run(LOAD_CORE, process.execPath, [
    roles,
    'fixed-rate',
    `http://127.0.0.1:${t.port}/`,
    String(RATE),
    String(seconds),
  ]);
  if (sampler !== undefined) clearInterval(sampler);
  const r = JSON.parse(out.trim()) as LatencyStats & { errors: number; service: LatencyStats; lag: LatencyStats };
  // CPU per request of the proxy process: unlike latency, barely moved by other jobs on the machine.
  const cpuUs = t.pid === undefined ? NaN : ((await cpuMs(t.pid)) - cpuBefore) * (1000 / r.count);
  return { ...r, rssMb: peak, steadyRssMb: steady(rss), steadyAnonMb: steady(anon), cpuUs };
}

const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const memCell = (m: { steady: number; anon: number } | undefined) =>
  m === undefined ? '-' : `${fmt(m.steady, 1)} (${fmt(m.anon, 1)})`;

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshdev-bench-'));
  const roles = path.join(tmp, 'roles.mjs');
  const meshdevMain = path.join(tmp, 'meshdev.mjs');
  for (const [entry, outfile] of [
    ['bench/proxy/roles.ts', roles],
    ['bench/proxy/meshdev-main.ts', meshdevMain],
  ] as const) {
    await build({
      entryPoints: [path.resolve(entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      // As compose/bundle-runtime.mjs builds what the sidecars run.
      minify: true,
      charset: 'ascii',
      legalComments: 'none',
      logLevel: 'warning',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
  }

  const backendPort = await freePort();
  const backend = pinned(LOAD_CORE, process.execPath, [roles, 'backend', String(backendPort)]);
  await waitForPort(backendPort, backend, 'backend');

  const targets: Target[] = [{ name: 'direct (no proxy)', port: backendPort }];
  /** Starts `node [flags] ...prefix PORT BACKEND_PORT ...suffix` on the proxy core. */
  const spawnNode = async (name: string, prefix: string[], suffix: string[], env?: NodeJS.ProcessEnv) => {
    const port = await freePort();
    const nodeFlags = name.startsWith('meshdev') ? NODE_FLAGS : REFERENCE_NODE_FLAGS;
    const args = [...nodeFlags, ...prefix, String(port), String(backendPort), ...suffix];
    const child = pinned(PROXY_CORE, process.execPath, args, env);
    await waitForPort(port, child, name);
    return { name, port, pid: child.pid };
  };
  /** Node targets again, in new processes, for the fresh-process RSS figure (started after the rounds). */
  const freshStarts: (() => Promise<Target>)[] = [];
  const start = async (name: string, prefix: string[], suffix: string[], env?: NodeJS.ProcessEnv) => {
    targets.push(await spawnNode(name, prefix, suffix, env));
    freshStarts.push(() => spawnNode(name, prefix, suffix, env));
  };
  await start('meshdev', [meshdevMain], [ACCESS_LOG_SAMPLE]);
  await start('meshdev (node:http client)', [meshdevMain], [ACCESS_LOG_SAMPLE], {
    ...process.env,
    MESHDEV_UPSTREAM_CLIENT: 'node',
  });
  await start('node-http-proxy', [roles, 'http-proxy'], []);

  const nginx = which('nginx') ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined);
  if (nginx !== undefined) {
    const port = await freePort();
    const conf = path.join(tmp, 'nginx.conf');
    await writeFile(
      conf,
      `worker_processes 1; pid ${tmp}/nginx.pid; error_log ${tmp}/nginx-error.log; daemon off;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${tmp}/nginx-body; proxy_temp_path ${tmp}/nginx-proxy;
  fastcgi_temp_path ${tmp}/nginx-fcgi; uwsgi_temp_path ${tmp}/nginx-uwsgi; scgi_temp_path ${tmp}/nginx-scgi;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
`,
    );
    const child = pinned(PROXY_CORE, nginx, ['-p', tmp, '-c', conf, '-e', `${tmp}/nginx-error.log`]);
    await waitForPort(port, child, 'nginx');
    targets.push({ name: 'nginx', port, pid: child.pid });
  }
  const haproxy = which('haproxy') ?? (existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : undefined);
  if (haproxy !== undefined) {
    const port = await freePort();
    const cfg = path.join(tmp, 'haproxy.cfg');
    await writeFile(
      cfg,
      `global\n  nbthread 1\n  maxconn 4096\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n  option http-keep-alive\nfrontend f\n  bind 127.0.0.1:${port}\n  default_backend b\nbackend b\n  http-reuse always\n  server s1 127.0.0.1:${backendPort}\n`,
    );
    const child = pinned(PROXY_CORE, haproxy, ['-f', cfg, '-db']);
    await waitForPort(port, child, 'haproxy');
    targets.push({ name: 'haproxy', port, pid: child.pid });
  }

  process.stderr.write(
    `targets: ${targets.map((t) => t.name).join(', ')}; ${ROUNDS} interleaved rounds of ${SECONDS}s throughput + ${LATENCY_SECONDS}s at ${RATE} rps\n`,
  );
  // Interleaved rounds, median per target: background load on a shared machine drifts over minutes, and
  // measuring each target in one block would bias the ratios by when it ran.
  type Tp = Awaited<ReturnType<typeof throughput>>;
  type Lat = Awaited<ReturnType<typeof fixedRate>>;
  const tpRuns = new Map<string, Tp[]>();
  const latRuns = new Map<string, Lat[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`  round ${round}/${ROUNDS}\n`);
    for (const t of targets) tpRuns.set(t.name, [...(tpRuns.get(t.name) ?? []), await throughput(t)]);
    for (const t of targets)
      latRuns.set(t.name, [...(latRuns.get(t.name) ?? []), await fixedRate(roles, t, LATENCY_SECONDS)]);
  }
  // RSS at the fixed rate in a fresh process: the rounds above follow max-throughput runs, after which V8 keeps
  // the larger heap it grew, so their RSS is the high-water mark of saturation, not of the fixed-rate load.
  const fresh = new Map<string, { peak: number; steady: number; anon: number }>();
  for (const f of freshStarts) {
    const t = await f();
    const r = await fixedRate(roles, t, Math.max(LATENCY_SECONDS, 10));
    fresh.set(t.name, { peak: r.rssMb, steady: r.steadyRssMb, anon: r.steadyAnonMb });
  }
  const results = new Map<string, { tp: Tp; lat: Lat }>();
  for (const t of targets) {
    const tps = [...tpRuns.get(t.name)!].sort((x, y) => x.rps - y.rps);
    const lats = [...latRuns.get(t.name)!].sort((x, y) => x.p99 - y.p99);
    results.set(t.name, {
      tp: { ...tps[Math.floor(tps.length / 2)]!, errors: tps.reduce((n, r) => n + r.errors, 0) },
      lat: {
        ...lats[Math.floor(lats.length / 2)]!,
        errors: lats.reduce((n, r) => n + r.errors, 0),
        rssMb: Math.max(...lats.map((r) => r.rssMb)),
      },
    });
  }

  const ref = results.get('node-http-proxy')!.tp.rps;
  const direct = results.get('direct (no proxy)')!.lat;
  const lines: string[] = [];
  lines.push(
    `Proxy benchmark (${new Date().toISOString()}, ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${hasTaskset ? `proxy on core ${PROXY_CORE}, backend + load on core ${LOAD_CORE}` : 'no taskset: unpinned'})`,
  );
  lines.push('');
  lines.push(
    `Median of ${ROUNDS} interleaved rounds; load average at the end: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; CPU pressure (some, avg60): ${(await cpuPressure()) ?? '-'}%.`,
  );
  lines.push(
    `Throughput: ${wrk !== undefined ? 'wrk -t1' : 'autocannon'} -c ${CONNECTIONS}, ${SECONDS} s. Latency: open-loop ${RATE} rps for ${LATENCY_SECONDS} s, coordinated-omission corrected (measured from when each request was due).`,
  );
  lines.push('');
  lines.push(
    '| target | req/s | vs node-http-proxy | p50 ms @1000rps | p99 ms @1000rps | added p50 ms | added p99 ms | service p50 ms | CPU µs/req | RSS MB steady (private) | RSS MB peak fresh | RSS MB after max load | errors |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of targets) {
    const r = results.get(t.name)!;
    const isDirect = t.name.startsWith('direct');
    lines.push(
      `| ${t.name} | ${Math.round(r.tp.rps)} | ${fmt(r.tp.rps / ref)}x | ${fmt(r.lat.p50, 3)} | ${fmt(r.lat.p99, 3)} | ${isDirect ? '-' : fmt(r.lat.p50 - direct.p50, 3)} | ${isDirect ? '-' : fmt(r.lat.p99 - direct.p99, 3)} | ${fmt(r.lat.service.p50, 3)} | ${fmt(r.lat.cpuUs, 0)} | ${memCell(fresh.get(t.name))} | ${fmt(fresh.get(t.name)?.peak ?? NaN, 1)} | ${t.pid === undefined ? '-' : fmt(r.lat.rssMb, 1)} | ${r.tp.errors + r.lat.errors} |`,
    );
  }
  const m = results.get('meshdev')!;
  lines.push('');
  lines.push(
    `Targets: throughput >= 2x node-http-proxy: ${m.tp.rps / ref >= 2 ? 'PASS' : 'FAIL'} (${fmt(m.tp.rps / ref)}x); ` +
      `added p50 <= 0.3 ms: ${m.lat.p50 - direct.p50 <= 0.3 ? 'PASS' : 'FAIL'}; added p99 <= 1 ms: ${m.lat.p99 - direct.p99 <= 1 ? 'PASS' : 'FAIL'}; ` +
      `RSS <= 50 MB at ${RATE} rps (fresh process, steady): ${(fresh.get('meshdev')?.steady ?? Infinity) <= 50 ? 'PASS' : 'FAIL'} (${fmt(fresh.get('meshdev')?.steady ?? NaN, 1)} MB, of which ${fmt(fresh.get('meshdev')?.anon ?? NaN, 1)} MB private; peak ${fmt(fresh.get('meshdev')?.peak ?? NaN, 1)} MB; ${fmt(m.lat.rssMb, 1)} MB after the max-throughput runs)`,
  );
  lines.push('');
  lines.push(
    `Columns: "added" = target minus direct, from when each request was due (the generator's own timer lateness, p50 ${fmt(direct.lag.p50, 3)} ms, is in every row); ` +
      `"service" = from when it was actually sent (not corrected); CPU µs/req = the proxy process's CPU time during the ${RATE} rps run / requests; ` +
      `"RSS steady" = median RSS over the second half of a ${Math.max(LATENCY_SECONDS, 10)} s run at ${RATE} rps in a newly started process, "private" its anonymous part (the rest is file-backed, mostly the node binary, shared by every Node process); "peak fresh" = highest RSS in that run (warm-up: JIT, first connections); "after max load" = peak during the ${RATE} rps runs that follow the wrk runs (V8 keeps the heap it grew). ` +
      `Node flags: meshdev ${NODE_FLAGS.join(' ') || '(none)'} (the sidecar's), node-http-proxy ${REFERENCE_NODE_FLAGS.join(' ') || '(none)'}.`,
  );

  if (SOAK_SECONDS > 0) {
    // RSS right after a GC is the floor of the sawtooth; a leak raises the floor, GC timing only the peaks.
    // So: per 30 s window, the lowest RSS seen (sampled every 250 ms) and the highest.
    const t = targets.find((x) => x.name === 'meshdev')!;
    const chunk = Math.min(30, SOAK_SECONDS);
    const floors: number[] = [];
    const peaks: number[] = [];
    for (let elapsed = 0; elapsed < SOAK_SECONDS; elapsed += chunk) {
      let floor = Infinity;
      let peak = 0;
      const sampler = setInterval(
        () =>
          void rssMb(t.pid!).then((v) => {
            floor = Math.min(floor, v);
            peak = Math.max(peak, v);
          }),
        250,
      );
      await fixedRate(roles, t, chunk);
      clearInterval(sampler);
      floors.push(floor);
      peaks.push(peak);
    }
    // A leak raises the post-GC floor for good; V8 growing and later shrinking its heap does not.
    const half = Math.ceil(floors.length / 2);
    const growth = Math.min(...floors.slice(half)) - Math.min(...floors.slice(0, half));
    lines.push('');
    lines.push(`Soak: meshdev at ${RATE} rps for ${SOAK_SECONDS} s; RSS per ${chunk} s window (MB):`);
    lines.push(`  lowest:  ${floors.map((v) => fmt(v, 1)).join(', ')}`);
    lines.push(`  highest: ${peaks.map((v) => fmt(v, 1)).join(', ')}`);
    lines.push(
      `No growth (lowest RSS in the second half - lowest in the first half <= 5 MB): ${growth <= 5 ? 'PASS' : 'FAIL'} (${fmt(growth, 1)} MB)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  await rm(tmp, { recursive: true, force: true });
}

try {
  await main();
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
}
