/**
 * Proxy benchmark: one run, one table, ratios against references measured in the same run.
 *
 *   npx vite-node bench/proxy/run.ts            (= `npm run bench:proxy`)
 *
 * Same backend for every target: nginx (one worker, returning the Node backend's body and headers) when
 * installed, else the Node backend of roles.ts (BENCH_BACKEND=node forces it); the Node backend shares
 * its core with wrk and saturates before the fastest proxies do. Proxies pinned to core 0, backend and
 * load generator to core 1 (taskset). Targets: direct to the backend, meshdev (standalone, all features
 * on: balancer, retries, outlier detection, circuit breaker, metrics, traceparent, 1% access log),
 * node-http-proxy with a keep-alive agent, and nginx and haproxy when installed.
 *
 * Env: BENCH_SECONDS (throughput run per target and round, default 5), BENCH_LATENCY_SECONDS (fixed-rate run,
 * default 5), BENCH_ROUNDS (default 5), BENCH_RATE (default 1000), BENCH_CONNECTIONS (default 50), BENCH_SOAK_SECONDS (e.g. 300:
 * also soak meshdev at the fixed rate and report RSS growth), BENCH_ACCESS_LOG_SAMPLE (default 0.01),
 * BENCH_NODE_FLAGS (node flags for meshdev; default: the sidecar's own, proxy/schema/node-options.ts), BENCH_MESHDEV_NODE
 * (the Node binary meshdev runs on; default the host's),
 * BENCH_REFERENCE_NODE_FLAGS (node flags for node-http-proxy; default none, as it is usually run),
 * BENCH_BASELINE (a git revision, e.g. main~1: its meshdev is measured too, in the same interleaved rounds, and the
 * table gains a paired throughput ratio of this checkout's meshdev to it), BENCH_BACKEND=node (the Node backend even when nginx is installed), BENCH_GENERATOR=node (the Node fixed-rate
 * generator of roles.ts instead of fixed-rate.c, e.g. without a C compiler). Node option / env levers: sweep.ts.
 *
 * Besides latency from when each request was due, the table has the service time (from when it was sent),
 * the proxy's CPU time per request at the fixed rate (robust to other jobs on the machine, unlike latency),
 * and RSS both in a fresh process at the fixed rate and after the max-throughput runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SIDECAR_NODE_OPTIONS } from '../../proxy/schema/index.js';
import {
  LOAD_CORE,
  MESHDEV_NODE,
  PROXY_CORE,
  buildBaselineBundle,
  buildBundles,
  cpuPressure,
  endChildren,
  findDaemon,
  fixedRate,
  fmt,
  freePort,
  median,
  hasTaskset,
  nginxTempPaths,
  pinned,
  rssMb,
  splitFlags,
  startBackend,
  throughput,
  waitForPort,
  wrk,
} from './harness.js';
import type { FixedRateResult, Memory, Target } from './harness.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 0);
/** Interleaved rounds per target (medians are reported, of per-round ratios and differences where paired). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ACCESS_LOG_SAMPLE = process.env.BENCH_ACCESS_LOG_SAMPLE ?? '0.01';
const BASELINE = process.env.BENCH_BASELINE;
const BASELINE_TARGET = `meshdev baseline (${BASELINE ?? ''})`;
const MESHDEV_NODE_VERSION =
  MESHDEV_NODE === process.execPath
    ? process.version
    : spawnSync(MESHDEV_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
/** meshdev runs with the flags and env the sidecars ship with; node-http-proxy with Node's defaults. */
const NODE_FLAGS = splitFlags(process.env.BENCH_NODE_FLAGS ?? SIDECAR_NODE_OPTIONS);
const REFERENCE_NODE_FLAGS = splitFlags(process.env.BENCH_REFERENCE_NODE_FLAGS ?? '');

const memCell = (m: Memory | undefined) =>
  m === undefined ? '-' : `${fmt(m.rss, 1)} (${fmt(m.anon, 1)}, ${fmt(m.pss, 1)})`;

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshdev-bench-'));
  const { roles, meshdevMain, generator } = await buildBundles(tmp);

  const backend = await startBackend(tmp, roles, process.env.BENCH_BACKEND);
  const backendPort = backend.port;

  const targets: Target[] = [{ name: 'direct (no proxy)', port: backendPort }];
  /** Starts `node [flags] ...prefix PORT BACKEND_PORT ...suffix` on the proxy core. */
  const spawnNode = async (name: string, prefix: string[], suffix: string[], env?: NodeJS.ProcessEnv) => {
    const port = await freePort();
    const nodeFlags = name.startsWith('meshdev') ? NODE_FLAGS : REFERENCE_NODE_FLAGS;
    const args = [...nodeFlags, ...prefix, String(port), String(backendPort), ...suffix];
    const child = pinned(PROXY_CORE, name.startsWith('meshdev') ? MESHDEV_NODE : process.execPath, args, env);
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
  if (BASELINE !== undefined) {
    await start(BASELINE_TARGET, [await buildBaselineBundle(tmp, BASELINE)], [ACCESS_LOG_SAMPLE]);
  }
  await start('node-http-proxy', [roles, 'http-proxy'], []);

  const nginx = findDaemon('nginx');
  if (nginx !== undefined) {
    const port = await freePort();
    const dir = path.join(tmp, 'nginx-proxy');
    await mkdir(dir, { recursive: true });
    const conf = path.join(dir, 'nginx.conf');
    await writeFile(
      conf,
      `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log; daemon off;
events { worker_connections 4096; }
http { access_log off; ${nginxTempPaths(dir)}
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
`,
    );
    const child = pinned(PROXY_CORE, nginx, ['-p', dir, '-c', conf, '-e', `${dir}/error.log`]);
    await waitForPort(port, child, 'nginx');
    targets.push({ name: 'nginx', port, pid: child.pid });
  }
  const haproxy = findDaemon('haproxy');
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
  type Lat = FixedRateResult;
  const tpRuns = new Map<string, Tp[]>();
  const latRuns = new Map<string, Lat[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`  round ${round}/${ROUNDS}\n`);
    for (const t of targets)
      tpRuns.set(t.name, [...(tpRuns.get(t.name) ?? []), await throughput(t, CONNECTIONS, SECONDS)]);
    for (const t of targets)
      latRuns.set(t.name, [...(latRuns.get(t.name) ?? []), await fixedRate(generator, t, RATE, LATENCY_SECONDS)]);
  }
  // RSS at the fixed rate in a fresh process: the rounds above follow max-throughput runs, after which V8 keeps
  // the larger heap it grew, so their RSS is the high-water mark of saturation, not of the fixed-rate load.
  const fresh = new Map<string, Memory & { peak: number }>();
  for (const f of freshStarts) {
    const t = await f();
    const r = await fixedRate(generator, t, RATE, Math.max(LATENCY_SECONDS, 10));
    fresh.set(t.name, { ...r.steady, peak: r.rssMb });
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
  // The figures against a reference are paired by round: each round's ratio to node-http-proxy and each
  // round's difference to the direct path come from runs a few seconds apart, so the drift of a shared
  // machine between rounds cancels; the table gives their medians (and the per-round values below it).
  const paired = (name: string) => {
    const tp = tpRuns.get(name)!;
    const lat = latRuns.get(name)!;
    const ref = tpRuns.get('node-http-proxy')!;
    const direct = latRuns.get('direct (no proxy)')!;
    const ratios = tp.map((r, i) => r.rps / ref[i]!.rps);
    const p50s = lat.map((r, i) => r.p50 - direct[i]!.p50);
    const p99s = lat.map((r, i) => r.p99 - direct[i]!.p99);
    return { ratios, p50s, p99s, ratio: median(ratios), addedP50: median(p50s), addedP99: median(p99s) };
  };

  const lines: string[] = [];
  lines.push(
    `Proxy benchmark (${new Date().toISOString()}, ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version} (meshdev on ${MESHDEV_NODE_VERSION}), ${hasTaskset ? `proxy on core ${PROXY_CORE}, backend + load on core ${LOAD_CORE}` : 'no taskset: unpinned'})`,
  );
  lines.push('');
  lines.push(
    `Medians of ${ROUNDS} interleaved rounds (ratios and added latency: medians of the per-round ratio and difference); load average at the end: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; CPU pressure (some, avg60): ${(await cpuPressure()) ?? '-'}%.`,
  );
  lines.push(
    `Backend: ${backend.kind === 'nginx' ? 'nginx (1 worker; same body and headers as the Node backend, plus `server: nginx`)' : 'Node (roles.ts backend)'} on core ${LOAD_CORE}, the same for every target. ` +
      `Throughput: ${wrk !== undefined ? 'wrk -t1' : 'autocannon'} -c ${CONNECTIONS}, ${SECONDS} s. Latency: open-loop ${RATE} rps for ${LATENCY_SECONDS} s, coordinated-omission corrected (measured from when each request was due), by ${generator.describe}.`,
  );
  lines.push('');
  lines.push(
    '| target | req/s | vs node-http-proxy | p50 ms @1000rps | p99 ms @1000rps | added p50 ms | added p99 ms | service p50 ms | CPU µs/req | RSS MB steady (private, PSS) | RSS MB peak fresh | RSS MB after max load | errors |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of targets) {
    const r = results.get(t.name)!;
    const isDirect = t.name.startsWith('direct');
    const pr = paired(t.name);
    lines.push(
      `| ${t.name} | ${Math.round(r.tp.rps)} | ${fmt(pr.ratio)}x | ${fmt(r.lat.p50, 3)} | ${fmt(r.lat.p99, 3)} | ${isDirect ? '-' : fmt(pr.addedP50, 3)} | ${isDirect ? '-' : fmt(pr.addedP99, 3)} | ${fmt(r.lat.service.p50, 3)} | ${fmt(r.lat.cpuUs, 0)} | ${memCell(fresh.get(t.name))} | ${fmt(fresh.get(t.name)?.peak ?? NaN, 1)} | ${t.pid === undefined ? '-' : fmt(r.lat.rssMb, 1)} | ${r.tp.errors + r.lat.errors} |`,
    );
  }
  const m = results.get('meshdev')!;
  const mp = paired('meshdev');
  const perRound = (xs: number[], digits: number) => xs.map((x) => fmt(x, digits)).join(' / ');
  lines.push('');
  lines.push(
    `meshdev per round: vs node-http-proxy ${perRound(mp.ratios, 2)}; added p50 ms ${perRound(mp.p50s, 3)}; added p99 ms ${perRound(mp.p99s, 3)}.`,
  );
  if (BASELINE !== undefined) {
    const ours = tpRuns.get('meshdev')!;
    const vsBaseline = tpRuns.get(BASELINE_TARGET)!.map((b, i) => ours[i]!.rps / b.rps);
    const ratio = median(vsBaseline);
    lines.push(
      `meshdev vs ${BASELINE_TARGET}: throughput ${fmt(ratio, 3)}x (median of per-round ratios ${perRound(vsBaseline, 3)}); within 5%: ${ratio >= 0.95 ? 'PASS' : 'FAIL'}.`,
    );
  }
  lines.push('');
  lines.push(
    `Targets: throughput >= 2x node-http-proxy: ${mp.ratio >= 2 ? 'PASS' : 'FAIL'} (${fmt(mp.ratio)}x); ` +
      `added p50 <= 0.3 ms: ${mp.addedP50 <= 0.3 ? 'PASS' : 'FAIL'}; added p99 <= 1 ms: ${mp.addedP99 <= 1 ? 'PASS' : 'FAIL'}; ` +
      `RSS <= 50 MB at ${RATE} rps (fresh process, steady): ${(fresh.get('meshdev')?.rss ?? Infinity) <= 50 ? 'PASS' : 'FAIL'} (${fmt(fresh.get('meshdev')?.rss ?? NaN, 1)} MB, of which ${fmt(fresh.get('meshdev')?.anon ?? NaN, 1)} MB private, PSS ${fmt(fresh.get('meshdev')?.pss ?? NaN, 1)} MB; peak ${fmt(fresh.get('meshdev')?.peak ?? NaN, 1)} MB; ${fmt(m.lat.rssMb, 1)} MB after the max-throughput runs)`,
  );
  lines.push('');
  lines.push(
    `Columns: "vs node-http-proxy" = median of the per-round ratios; "added" = median of the per-round differences target minus direct, from when each request was due (the generator's own timer lateness, p50 ${fmt(results.get('direct (no proxy)')!.lat.lag.p50, 3)} ms, is in every row); ` +
      `"service" = from when it was actually sent (not corrected); CPU µs/req = the proxy process's CPU time during the ${RATE} rps run / requests; ` +
      `"RSS steady" = median RSS over the second half of a ${Math.max(LATENCY_SECONDS, 10)} s run at ${RATE} rps in a newly started process, "private" its anonymous part (the rest is file-backed, mostly the node binary, shared by every Node process), PSS its proportional set size (shared pages divided among the processes mapping them: here the few Node processes of the benchmark, in a mesh every sidecar); "peak fresh" = highest RSS in that run (warm-up: JIT, first connections); "after max load" = peak during the ${RATE} rps runs that follow the wrk runs (V8 keeps the heap it grew). ` +
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
      await fixedRate(generator, t, RATE, chunk);
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
  endChildren();
  await rm(tmp, { recursive: true, force: true });
}

try {
  await main();
} finally {
  endChildren();
}
