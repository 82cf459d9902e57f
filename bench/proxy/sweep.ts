/**
 * Memory levers for the sidecar: each variant (node flags and env on top of, or instead of, the shipped
 * ones) in a newly started meshdev process, first at the fixed rate (steady RSS, private, PSS, threads,
 * latency, CPU per request), then at max throughput (wrk; RSS right after it). Variants run in interleaved
 * rounds, in a rotated order per round; medians are reported.
 *
 *   flock /tmp/meshdev-heavy.lock npx vite-node bench/proxy/sweep.ts
 *
 * Env: SWEEP_ROUNDS (default 3), SWEEP_SECONDS (fixed-rate run, default 10), BENCH_SECONDS (wrk run, default 5),
 * BENCH_RATE (default 1000), BENCH_CONNECTIONS (default 50), SWEEP_ONLY (comma-separated variant names),
 * BENCH_BACKEND=node (the Node backend even when nginx is installed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SIDECAR_NODE_OPTIONS } from '../../proxy/schema/index.js';
import {
  LOAD_CORE,
  PROXY_CORE,
  buildBundles,
  cpuPressure,
  endChildren,
  fixedRate,
  fmt,
  median,
  memoryMb,
  spawnMeshdev,
  splitFlags,
  startBackend,
  throughput,
  waitForPort,
} from './harness.js';
import type { LoadGenerator } from './harness.js';

const ROUNDS = Number(process.env.SWEEP_ROUNDS ?? 3);
const SECONDS = Number(process.env.SWEEP_SECONDS ?? 10);
const TP_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

interface Variant {
  name: string;
  flags: string[];
  env?: Record<string, string>;
  /** Runs only when SWEEP_ONLY names it. */
  combination?: boolean;
}

const shipped = splitFlags(SIDECAR_NODE_OPTIONS);
/** The shipped flags with `--name=...` replaced (or added). */
const withFlag = (flag: string) => [...shipped.filter((f) => f.split('=')[0] !== flag.split('=')[0]), flag];

/** All variants; SWEEP_ONLY picks some (the combinations only run when named). */
const VARIANTS: Variant[] = [
  { name: 'shipped', flags: shipped },
  { name: 'no flags (Node defaults)', flags: [] },
  { name: 'MALLOC_ARENA_MAX=1', flags: shipped, env: { MALLOC_ARENA_MAX: '1' } },
  { name: 'MALLOC_ARENA_MAX=2', flags: shipped, env: { MALLOC_ARENA_MAX: '2' } },
  { name: '--v8-pool-size=0', flags: withFlag('--v8-pool-size=0') },
  { name: '--v8-pool-size=4 (Node default)', flags: withFlag('--v8-pool-size=4') },
  { name: '--v8-pool-size=1', flags: withFlag('--v8-pool-size=1') },
  { name: 'UV_THREADPOOL_SIZE=1', flags: shipped, env: { UV_THREADPOOL_SIZE: '1' } },
  { name: '--max-old-space-size=24', flags: [...shipped, '--max-old-space-size=24'] },
  { name: '--max-old-space-size=48', flags: [...shipped, '--max-old-space-size=48'] },
  { name: '--max-semi-space-size=1', flags: withFlag('--max-semi-space-size=1') },
  { name: '--max-semi-space-size=2', flags: withFlag('--max-semi-space-size=2') },
  { name: '--max-semi-space-size=4', flags: withFlag('--max-semi-space-size=4') },
  { name: '--lite-mode', flags: [...shipped, '--lite-mode'] },
  { name: '--max-lazy', flags: [...shipped, '--max-lazy'] },
  { name: '--no-opt', flags: [...shipped, '--no-opt'] },
  // Refused in NODE_OPTIONS: would ship only as flags on the sidecar's command line.
  { name: '--single-threaded-gc', flags: [...shipped, '--single-threaded-gc'] },
  // Interpreter only (no optimising compiler, no WebAssembly): accepted in NODE_OPTIONS.
  { name: '--jitless', flags: [...shipped, '--jitless'] },
  // Combinations of the levers above that measured lower on their own.
  {
    name: '--v8-pool-size=1 --max-semi-space-size=2',
    flags: [...withFlag('--max-semi-space-size=2'), '--v8-pool-size=1'],
    combination: true,
  },
  {
    name: '--max-semi-space-size=1 --single-threaded-gc',
    flags: [...withFlag('--max-semi-space-size=1'), '--single-threaded-gc'],
    combination: true,
  },
  {
    name: '--v8-pool-size=1 MALLOC_ARENA_MAX=2',
    flags: [...shipped, '--v8-pool-size=1'],
    env: { MALLOC_ARENA_MAX: '2' },
    combination: true,
  },
];

interface Sample {
  rss: number;
  anon: number;
  pss: number;
  threads: number;
  peak: number;
  p50: number;
  p99: number;
  serviceP50: number;
  cpuUs: number;
  rps: number;
  /** RSS right after the max-throughput run (what a burst leaves behind). */
  rssAfterMax: number;
  errors: number;
}

/** One variant in a new process; a string (why) when the process died, e.g. a flag that disables WebAssembly. */
async function measure(
  generator: LoadGenerator,
  meshdevMain: string,
  backendPort: number,
  v: Variant,
): Promise<Sample | string> {
  const { child, port } = await spawnMeshdev(meshdevMain, backendPort, v.flags, { ...process.env, ...v.env });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const died = () =>
    `exited (${child.exitCode ?? child.signalCode}): ${stderr.split('\n').find((l) => /Error/.test(l)) ?? stderr.slice(0, 200)}`;
  try {
    await waitForPort(port, child, v.name);
    const target = { name: v.name, port, pid: child.pid };
    const lat = await fixedRate(generator, target, RATE, SECONDS);
    if (child.exitCode !== null || child.signalCode !== null) return died();
    const tp = await throughput(target, CONNECTIONS, TP_SECONDS);
    if (child.exitCode !== null || child.signalCode !== null) return died();
    const after = await memoryMb(child.pid!);
    return {
      rssAfterMax: after.rss,
      ...lat.steady,
      peak: lat.rssMb,
      p50: lat.p50,
      p99: lat.p99,
      serviceP50: lat.service.p50,
      cpuUs: lat.cpuUs,
      rps: tp.rps,
      errors: lat.errors + tp.errors,
    };
  } catch (err) {
    return child.exitCode !== null || child.signalCode !== null ? died() : String(err);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const only = process.env.SWEEP_ONLY?.split(',').map((s) => s.trim());
  const variants =
    only === undefined ? VARIANTS.filter((v) => v.combination !== true) : VARIANTS.filter((v) => only.includes(v.name));
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshdev-sweep-'));
  const { roles, meshdevMain, generator } = await buildBundles(tmp);
  const backend = await startBackend(tmp, roles, process.env.BENCH_BACKEND);
  const samples = new Map<string, Sample[]>();
  const failures = new Map<string, string>();
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
    // Rotated order: a variant is not always measured right after the same neighbour or at the same time.
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    for (const v of order) {
      if (failures.has(v.name)) continue;
      const s = await measure(generator, meshdevMain, backend.port, v);
      if (typeof s === 'string') {
        failures.set(v.name, s);
        process.stderr.write(`  ${v.name}: ${s}\n`);
        continue;
      }
      process.stderr.write(`  ${v.name}: ${fmt(s.rss, 1)} MB, ${Math.round(s.rps)} req/s\n`);
      samples.set(v.name, [...(samples.get(v.name) ?? []), s]);
    }
  }
  const lines = [
    `Sweep (${new Date().toISOString()}, node ${process.version}, ${ROUNDS} rounds, medians; backend ${backend.kind} on core ${LOAD_CORE}, meshdev on core ${PROXY_CORE}; CPU pressure avg60 at the end ${(await cpuPressure()) ?? '-'}%)`,
    `Each variant in a new process: ${RATE} rps for ${SECONDS} s (memory = median of the second half's samples), then wrk -t1 -c${CONNECTIONS} ${TP_SECONDS} s.`,
    '',
    '| variant | RSS MB steady (min-max) | private MB | PSS MB | threads | RSS MB peak | req/s | RSS MB after max | CPU µs/req | p50 ms | p99 ms | service p50 ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const v of variants) {
    const failure = failures.get(v.name);
    if (failure !== undefined) {
      lines.push(`| ${v.name} | ${failure.replaceAll('|', '/')} | | | | | | | | | | | |`);
      continue;
    }
    const ss = samples.get(v.name)!;
    const m = (k: keyof Sample) => median(ss.map((s) => s[k]));
    const rss = ss.map((s) => s.rss);
    lines.push(
      `| ${v.name} | ${fmt(m('rss'), 1)} (${fmt(Math.min(...rss), 1)}-${fmt(Math.max(...rss), 1)}) | ${fmt(m('anon'), 1)} | ${fmt(m('pss'), 1)} | ${fmt(m('threads'), 0)} | ${fmt(m('peak'), 1)} | ${Math.round(m('rps'))} | ${fmt(m('rssAfterMax'), 1)} | ${fmt(m('cpuUs'), 0)} | ${fmt(m('p50'), 3)} | ${fmt(m('p99'), 3)} | ${fmt(m('serviceP50'), 3)} | ${ss.reduce((n, s) => n + s.errors, 0)} |`,
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
