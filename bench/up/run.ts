/**
 * `npm run bench:up`: how long `meshdev up --detach --wait` takes to an all-healthy demo mesh,
 * against plain `docker compose up --wait` on the very same generated file, measured in the
 * same run, alternating, images already present. Prints a table; exits 1 when the target
 * (<= 1.2x compose, < 30 s) is missed.
 */
import { execa } from 'execa';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/bin/meshdev.mjs');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const PROJECT = 'meshdev-shop';

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function meshdev(cwd: string, ...args: string[]): Promise<void> {
  await execa('node', [CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const work = await mkdtemp(join(tmpdir(), 'meshdev-bench-up-'));
const frozen = join(work, 'frozen');
try {
  process.stderr.write('preparing images and a reference compose file...\n');
  await meshdev(work, 'down');
  await meshdev(work, 'up', '--detach', '--wait');
  // Keep the generated project (compose file + prometheus.yml) for the plain-Compose runs.
  await cp(join(work, '.meshdev/shop'), frozen, { recursive: true });
  await meshdev(work, 'down');

  const meshdevTimes: number[] = [];
  const composeTimes: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    composeTimes.push(
      await timed(() =>
        execa('docker', ['compose', '-p', PROJECT, '-f', join(frozen, 'compose.yaml'), 'up', '-d', '--wait'], {
          stdio: 'ignore',
        }),
      ),
    );
    await execa('docker', ['compose', '-p', PROJECT, '-f', join(frozen, 'compose.yaml'), 'down', '-t', '5'], {
      stdio: 'ignore',
    });
    meshdevTimes.push(await timed(() => meshdev(work, 'up', '--detach', '--wait')));
    await meshdev(work, 'down');
    process.stderr.write(
      `round ${i + 1}/${ROUNDS}: compose ${composeTimes.at(-1)!.toFixed(1)} s, meshdev ${meshdevTimes.at(-1)!.toFixed(1)} s\n`,
    );
  }
  const m = median(meshdevTimes);
  const c = median(composeTimes);
  const rows = [
    ['what', 'median s', 'min s', 'max s', 'ratio'],
    [
      'docker compose up -d --wait (reference)',
      c.toFixed(1),
      Math.min(...composeTimes).toFixed(1),
      Math.max(...composeTimes).toFixed(1),
      '1.00',
    ],
    [
      'meshdev up --detach --wait',
      m.toFixed(1),
      Math.min(...meshdevTimes).toFixed(1),
      Math.max(...meshdevTimes).toFixed(1),
      (m / c).toFixed(2),
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(rows[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows.slice(1)) console.log(line(r));
  const ok = m <= 1.2 * c && m < 30;
  console.log(
    `\ntarget: meshdev <= 1.2x compose and < 30 s: ${ok ? 'met' : 'MISSED'} (${ROUNDS} rounds, demo mesh, images present)`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await meshdev(work, 'down').catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
