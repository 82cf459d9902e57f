/**
 * Where a sidecar's memory goes: each probe (a small bundle, or meshdev's standalone proxy as bench:proxy
 * runs it) in a new process with the sidecar's node options, measured idle and, for the proxy, at a fixed
 * rate. Per process: RSS, private (RssAnon), PSS, and /proc/PID/smaps grouped by mapping (the node binary,
 * [heap] = glibc's main arena, anonymous mappings = V8's heap spaces, code space and the other malloc
 * arenas); V8's own view (heap spaces, code, external) from a preloaded hook that answers SIGUSR2.
 *
 *   flock /tmp/meshdev-heavy.lock npx vite-node bench/proxy/mem-probe.ts
 *
 * Probes: the small bundles below (idle), `meshdev` (bench:proxy's standalone proxy) and `sidecar` (the runtime
 * bundle's sidecar role, as in a container: bootstrap from MESHDEV_SIDECAR, registered in a private Consul dev
 * agent on ports 18300-18502, nginx or the Node backend as its app), idle and at the fixed rate.
 *
 * Env: PROBE_ONLY (comma-separated probe names), PROBE_FLAGS (node flags instead of the sidecar's),
 * PROBE_ENV (space-separated K=V added to every probe), PROBE_RATE (default 1000, 0 = idle only),
 * PROBE_SECONDS (fixed-rate run, default 10), PROBE_ROUNDS (default 1; medians), PROBE_ZOD_FULL=1 (inject
 * `import { z } from 'zod'` into the proxy bundles: what the schema module cost before it imported zod as a
 * namespace, `import * as z`, which lets esbuild keep only the parts it uses).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { NODE_BUNDLE, splitInto } from '../../compose/node-bundle.mjs';
import { SIDECAR_NODE_OPTIONS } from '../../proxy/schema/index.js';
import {
  LOAD_CORE,
  PROXY_CORE,
  buildBundles,
  endChildren,
  fixedRate,
  fmt,
  freePort,
  median,
  memoryMb,
  pinned,
  splitFlags,
  startBackend,
  waitForPort,
} from './harness.js';
import type { LoadGenerator } from './harness.js';

const RATE = Number(process.env.PROBE_RATE ?? 1000);
const SECONDS = Number(process.env.PROBE_SECONDS ?? 10);
const ROUNDS = Number(process.env.PROBE_ROUNDS ?? 1);
const FLAGS = splitFlags(process.env.PROBE_FLAGS ?? SIDECAR_NODE_OPTIONS);
const EXTRA_ENV = Object.fromEntries(
  (process.env.PROBE_ENV ?? '')
    .split(' ')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

/** Preloaded into every probe: on SIGUSR2, V8's view of the process as one JSON line on stderr. */
const HOOK = `import v8 from 'node:v8';
process.on('SIGUSR2', () => {
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
  process.stderr.write('@probe ' + JSON.stringify({ mu: process.memoryUsage(), spaces, code: v8.getHeapCodeStatistics() }) + '\\n');
});
`;

const idle = (what: string) => `${what}\nprocess.stdout.write('ready 0\\n');\nsetInterval(() => {}, 1 << 30);\n`;

/** Small entries: what each dependency costs once bundled (minified, as the sidecar's bundle). */
const ENTRIES: Record<string, string> = {
  'bare node': idle(''),
  'zod (import only)': idle(`import * as z from 'zod';\nglobalThis.keep = z;`),
  'schema module': idle(`import * as s from '${path.resolve('proxy/schema/index.ts')}';\nglobalThis.keep = s;`),
  'prom-client (Registry only)': idle(`import { Registry } from 'prom-client';\nglobalThis.keep = new Registry();`),
  'prom-client default metrics': idle(
    `import { Registry, collectDefaultMetrics } from 'prom-client';\nconst r = new Registry();\ncollectDefaultMetrics({ register: r, prefix: 'meshdev_', eventLoopMonitoringPrecision: 100 });\nglobalThis.keep = r;`,
  ),
  'prom-client + ProxyMetrics': idle(
    `import { Registry } from 'prom-client';\nimport { ProxyMetrics } from '${path.resolve('proxy/metrics.ts')}';\nglobalThis.keep = new ProxyMetrics(new Registry());`,
  ),
};

interface V8View {
  mu: NodeJS.MemoryUsage;
  spaces: Record<string, number>;
  code: { code_and_metadata_size: number; bytecode_and_metadata_size: number; external_script_source_size: number };
}

interface Reading {
  rss: number;
  anon: number;
  pss: number;
  /** smaps groups: Rss / Pss / Anonymous, MB. */
  groups: Record<string, { rss: number; pss: number; anon: number }>;
  v8?: V8View;
}

function groupOf(name: string): string {
  if (name === '[heap]') return 'malloc main arena ([heap])';
  if (name === '') return 'anonymous (V8 heap + code, malloc arenas)';
  if (name.endsWith('/node')) return 'node binary';
  if (name.startsWith('[')) return name;
  if (/\.so/.test(name)) return 'shared libraries';
  return 'other files';
}

async function smapsGroups(pid: number): Promise<Reading['groups']> {
  const text = await readFile(`/proc/${pid}/smaps`, 'utf8');
  const out: Reading['groups'] = {};
  let g = '';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head !== null) {
      g = groupOf(head[1]!.trim());
      out[g] ??= { rss: 0, pss: 0, anon: 0 };
      continue;
    }
    const m = /^(Rss|Pss|Anonymous):\s+(\d+) kB/.exec(line);
    if (m !== null)
      out[g]![m[1] === 'Anonymous' ? 'anon' : (m[1]!.toLowerCase() as 'rss' | 'pss')] += Number(m[2]) / 1024;
  }
  return out;
}

async function read(pid: number, stderr: { text: string }): Promise<Reading> {
  const before = stderr.text.length;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 2000;
  while (!stderr.text.slice(before).includes('@probe ') && Date.now() < deadline) await sleep(20);
  const line = /@probe (.*)/.exec(stderr.text.slice(before))?.[1];
  const [mem, groups] = await Promise.all([memoryMb(pid), smapsGroups(pid)]);
  return { ...mem, groups, v8: line === undefined ? undefined : (JSON.parse(line) as V8View) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function probe(
  file: string,
  args: string[],
  hook: string,
  load?: { generator: LoadGenerator; rate: number },
  env: Record<string, string> = {},
  listensOn?: number,
): Promise<{ idle: Reading; loaded?: Reading; cpuUs?: number }> {
  const child = pinned(PROXY_CORE, process.execPath, [...FLAGS, '--import', hook, file, ...args], {
    ...process.env,
    ...EXTRA_ENV,
    ...env,
  });
  const stderr = { text: '' };
  child.stderr?.on('data', (d: Buffer) => (stderr.text += d.toString()));
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  try {
    const deadline = Date.now() + 10_000;
    if (listensOn !== undefined) await waitForPort(listensOn, child, file);
    while (listensOn === undefined && !/ready (\d+)/.test(stdout)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`probe ${file} failed: ${stderr.text}`);
      await sleep(20);
    }
    const port = listensOn ?? Number(/ready (\d+)/.exec(stdout)![1]);
    await sleep(3000);
    const idleReading = await read(child.pid!, stderr);
    if (load === undefined) return { idle: idleReading };
    const r = await fixedRate(load.generator, { name: 'probe', port, pid: child.pid }, load.rate, SECONDS);
    const loaded = await read(child.pid!, stderr);
    // The sampled steady figures are the comparable ones (one reading can land on a GC); keep smaps from the end.
    return { idle: idleReading, loaded: { ...loaded, ...r.steady }, cpuUs: r.cpuUs };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  }
}

function describe(name: string, rs: Reading[]): string[] {
  const m = (f: (r: Reading) => number) => fmt(median(rs.map(f)), 1);
  const mb = (n: number) => n / 1048576;
  const lines = [`${name}: RSS ${m((r) => r.rss)} MB, private ${m((r) => r.anon)}, PSS ${m((r) => r.pss)}`];
  const groups = Object.keys(rs[0]!.groups);
  for (const g of groups.sort((a, b) => rs[0]!.groups[b]!.rss - rs[0]!.groups[a]!.rss)) {
    const gs = (k: 'rss' | 'pss' | 'anon') => m((r) => r.groups[g]?.[k] ?? 0);
    if (Number(gs('rss')) >= 0.1) lines.push(`    ${g}: RSS ${gs('rss')}, PSS ${gs('pss')}, anon ${gs('anon')}`);
  }
  if (rs.every((r) => r.v8 !== undefined)) {
    const v = (f: (x: V8View) => number) => m((r) => mb(f(r.v8!)));
    lines.push(
      `    V8: heapTotal ${v((x) => x.mu.heapTotal)} (used ${v((x) => x.mu.heapUsed)}; new ${v((x) => x.spaces.new_space ?? 0)}, old ${v((x) => x.spaces.old_space ?? 0)}, code ${v((x) => x.spaces.code_space ?? 0)}, large ${v((x) => (x.spaces.large_object_space ?? 0) + (x.spaces.code_large_object_space ?? 0))}), external ${v((x) => x.mu.external)}, arrayBuffers ${v((x) => x.mu.arrayBuffers)}; bytecode ${v((x) => x.code.bytecode_and_metadata_size)}, machine code ${v((x) => x.code.code_and_metadata_size)}, script sources ${v((x) => x.code.external_script_source_size)}`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const only = process.env.PROBE_ONLY?.split(',').map((s) => s.trim());
  const wanted = (n: string) => only === undefined || only.includes(n);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshdev-mem-probe-'));
  const hook = path.join(tmp, 'hook.mjs');
  await writeFile(hook, HOOK);
  const files: Record<string, string> = {};
  for (const [name, source] of Object.entries(ENTRIES)) {
    if (!wanted(name)) continue;
    files[name] = path.join(tmp, `${Object.keys(files).length}.mjs`);
    await build({
      ...NODE_BUNDLE,
      stdin: { contents: source, resolveDir: process.cwd(), loader: 'ts', sourcefile: `${name}.ts` },
      outfile: files[name],
    });
  }
  const { roles, generator } = await buildBundles(tmp);
  const zodFull = path.join(tmp, 'zod-full.ts');
  await writeFile(zodFull, `import { z } from 'zod';\n(globalThis as { zodFull?: unknown }).zodFull = z;\n`);
  const inject =
    process.env.PROBE_ZOD_FULL === '1' ? { inject: [zodFull], nodePaths: [path.resolve('node_modules')] } : {};
  const meshdevMain = path.join(tmp, 'meshdev.mjs');
  await build({
    ...NODE_BUNDLE,
    ...inject,
    entryPoints: [path.resolve('bench/proxy/meshdev-main.ts')],
    outfile: meshdevMain,
  });
  // The runtime image's bundle (compose/bundle-runtime.mjs), without source maps.
  const runtimeDir = path.join(tmp, 'runtime');
  await build({
    ...NODE_BUNDLE,
    ...splitInto(runtimeDir),
    ...inject,
    sourcemap: false,
    entryPoints: { 'meshdev-runtime': path.resolve('services/entry.ts') },
  });
  const results: string[] = [
    `mem-probe ${new Date().toISOString()}, node ${process.version}, flags: ${FLAGS.join(' ') || '(none)'}${Object.keys(EXTRA_ENV).length > 0 ? `, env ${process.env.PROBE_ENV}` : ''}, ${ROUNDS} round(s), medians`,
  ];
  for (const [name, file] of Object.entries(files)) {
    const rs: Reading[] = [];
    for (let i = 0; i < ROUNDS; i++) rs.push((await probe(file, [], hook)).idle);
    results.push(...describe(`${name} (idle)`, rs));
  }
  const backend = await startBackend(tmp, roles, process.env.BENCH_BACKEND);
  if (wanted('meshdev')) {
    const idleRs: Reading[] = [];
    const loadedRs: Reading[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const port = await freePort();
      const r = await probe(
        meshdevMain,
        [String(port), String(backend.port), '0.01'],
        hook,
        RATE > 0 ? { generator, rate: RATE } : undefined,
      );
      idleRs.push(r.idle);
      if (r.loaded !== undefined) loadedRs.push(r.loaded);
      if (r.cpuUs !== undefined) cpu.push(r.cpuUs);
    }
    results.push(...describe('meshdev standalone (idle, after 3 s)', idleRs));
    if (loadedRs.length > 0)
      results.push(...describe(`meshdev standalone (${RATE} rps, CPU ${fmt(median(cpu), 0)} µs/req)`, loadedRs));
  }
  if (wanted('sidecar'))
    results.push(
      ...(await sidecarProbe(tmp, path.join(runtimeDir, 'meshdev-runtime.mjs'), hook, generator, backend.port)),
    );
  process.stdout.write(`${results.join('\n')}\n`);
  endChildren();
  await rm(tmp, { recursive: true, force: true });
}

/** The real sidecar role: a private Consul dev agent, the backend as the app, load on the inbound listener. */
async function sidecarProbe(
  tmp: string,
  runtime: string,
  hook: string,
  generator: LoadGenerator,
  appPort: number,
): Promise<string[]> {
  const consulPort = 18500;
  const consul = pinned(LOAD_CORE, 'consul', [
    'agent',
    '-dev',
    '-bind=127.0.0.1',
    '-client=127.0.0.1',
    `-http-port=${consulPort}`,
    '-dns-port=-1',
    '-grpc-port=-1',
    '-serf-lan-port=18301',
    '-serf-wan-port=18302',
    '-server-port=18300',
    `-data-dir=${tmp}/consul`,
  ]);
  await waitForPort(consulPort, consul, 'consul');
  await sleep(2000); // leader election
  const idleRs: Reading[] = [];
  const loadedRs: Reading[] = [];
  const cpu: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const [inbound, admin] = [await freePort(), await freePort()];
      const bootstrap = {
        mesh: 'memprobe',
        service: 'probe',
        instanceId: 'probe-1',
        app: { host: '127.0.0.1', port: appPort, healthPath: '/healthz' },
        inbound: { host: '127.0.0.1', port: inbound },
        admin: { host: '127.0.0.1', port: admin },
        consul: { url: `http://127.0.0.1:${consulPort}`, checkIntervalSeconds: 1 },
        advertiseAddress: '127.0.0.1',
      };
      const r = await probe(
        runtime,
        ['sidecar'],
        hook,
        RATE > 0 ? { generator, rate: RATE } : undefined,
        { MESHDEV_SIDECAR: JSON.stringify(bootstrap) },
        inbound,
      );
      idleRs.push(r.idle);
      if (r.loaded !== undefined) loadedRs.push(r.loaded);
      if (r.cpuUs !== undefined) cpu.push(r.cpuUs);
    }
  } finally {
    consul.kill('SIGTERM');
  }
  return [
    ...describe('sidecar role, runtime bundle (idle, after 3 s)', idleRs),
    ...(loadedRs.length > 0
      ? describe(`sidecar role (${RATE} rps inbound, CPU ${fmt(median(cpu), 0)} µs/req)`, loadedRs)
      : []),
  ];
}

try {
  await main();
} finally {
  endChildren();
}
