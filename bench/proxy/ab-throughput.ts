/**
 * Max throughput of meshdev under several sets of node flags, paired: one process per variant, all started
 * at once (pinned to the proxy core, only one under load at a time), then `wrk -t1 -c50` on each in turn,
 * cycle after cycle. On a shared machine the load drifts within minutes; alternating short runs puts every
 * variant in the same windows, so the per-cycle ratio to the first variant is the figure to read.
 *
 *   flock /tmp/meshdev-heavy.lock npx vite-node bench/proxy/ab-throughput.ts
 *
 * Env: AB_VARIANTS (';'-separated flag sets, each space-separated; default: the sidecar's flags, then the
 * same with --max-semi-space-size=2 and =1), AB_CYCLES (default 6), BENCH_SECONDS (wrk run, default 3),
 * BENCH_CONNECTIONS (default 50), BENCH_BACKEND=node, BENCH_BASELINE (','-separated git revisions: instead of flag
 * variants, this checkout's meshdev against each revision's, all with the sidecar's flags).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SIDECAR_NODE_OPTIONS } from '../../proxy/schema/index.js';
import {
  buildBaselineBundle,
  buildBundles,
  endChildren,
  fmt,
  median,
  memoryMb,
  spawnMeshdev,
  splitFlags,
  startBackend,
  throughput,
  waitForPort,
} from './harness.js';

const CYCLES = Number(process.env.AB_CYCLES ?? 6);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const withSemi = (mb: number) =>
  SIDECAR_NODE_OPTIONS.replace(/--max-semi-space-size=\d+/, `--max-semi-space-size=${mb}`);
const VARIANTS = (process.env.AB_VARIANTS ?? [SIDECAR_NODE_OPTIONS, withSemi(2), withSemi(1)].join(';'))
  .split(';')
  .map((v) => v.trim());

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'meshdev-ab-'));
  const { roles, meshdevMain } = await buildBundles(tmp);
  const backend = await startBackend(tmp, roles, process.env.BENCH_BACKEND);
  const targets = [];
  const baselines = (process.env.BENCH_BASELINE ?? '').split(',').filter((r) => r !== '');
  const variants =
    baselines.length === 0
      ? VARIANTS.map((flags) => ({ name: flags || '(no flags)', bundle: meshdevMain, flags }))
      : [
          { name: 'this checkout', bundle: meshdevMain, flags: SIDECAR_NODE_OPTIONS },
          ...(await Promise.all(
            baselines.map(async (rev, i) => ({
              name: rev,
              bundle: await buildBaselineBundle(path.join(tmp, `baseline-${i}`), rev),
              flags: SIDECAR_NODE_OPTIONS,
            })),
          )),
        ];
  for (const v of variants) {
    const { child, port } = await spawnMeshdev(v.bundle, backend.port, splitFlags(v.flags));
    await waitForPort(port, child, v.name);
    targets.push({ name: v.name, port, pid: child.pid });
  }
  const rps = targets.map(() => [] as number[]);
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    // Rotated: no variant always runs first in a cycle (right after the idle gap) or last.
    for (let j = 0; j < targets.length; j++) {
      const i = (j + cycle) % targets.length;
      const r = await throughput(targets[i]!, CONNECTIONS, SECONDS);
      rps[i]!.push(r.rps);
    }
    process.stderr.write(`cycle ${cycle + 1}/${CYCLES}: ${rps.map((r) => Math.round(r[cycle]!)).join(' / ')}\n`);
  }
  const lines = [
    `Paired max throughput (${new Date().toISOString()}, node ${process.version}, ${CYCLES} cycles of wrk -t1 -c${CONNECTIONS} ${SECONDS} s, backend ${backend.kind})`,
    '',
    '| variant | req/s median | ratio to first, median (min-max) | cycles above first | RSS MB after |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const [i, t] of targets.entries()) {
    const ratios = rps[i]!.map((r, c) => r / rps[0]![c]!);
    const rss = (await memoryMb(t.pid!)).rss;
    lines.push(
      `| ${t.name} | ${Math.round(median(rps[i]!))} | ${fmt(median(ratios), 3)} (${fmt(Math.min(...ratios), 2)}-${fmt(Math.max(...ratios), 2)}) | ${i === 0 ? '-' : ratios.filter((r) => r > 1).length} | ${fmt(rss, 1)} |`,
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
