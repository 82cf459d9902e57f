import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_PROJECT,
  cli as cliIn,
  gatewayCatalogEndpoints,
  resetCatalog,
  startDemoMesh,
  stopDemoMesh,
  untilCatalogInRotation,
} from '../support/demo-mesh.js';
import { BUILTIN_DEFAULTS } from '../../proxy/schema/config.js';
import { containerTime, figures, firstFailure, report, underLoad } from '../support/ingress-load.js';
import type { Outcome } from '../support/ingress-load.js';

/**
 * Slow start in the demo mesh, really started in Docker: load through the ingress at a fixed rate
 * while a catalog replica is killed and started again. The restarted replica is a fresh Node
 * process, slow while it warms up; with slow start (on by default) the gateway's sidecar sends it a
 * ramp of traffic instead of its full third at once, so its first, slow answers do not exhaust the
 * retry budget and no client request fails after the restart. Outcomes are counted here, by the
 * client, not read from the mesh's own metrics; figures are printed so that they show in the output.
 */
const SLOW_START = BUILTIN_DEFAULTS.resilience.slowStart;
/**
 * Load in all: the kill 2 s in, the restart once the gateway has taken the replica out (a few
 * seconds), then about 20 s of load while it warms up and takes a growing share (inside the window).
 */
const LOAD_MS = 32_000;

const cli = (args: string[]): Promise<string> => cliIn(workdir, args);

/** The gateway sidecar's view of catalog-2: its state and slow-start factor (null while ejected or absent). */
async function catalog2AtGateway(): Promise<{ state: string; slowStartFactor: number | null } | undefined> {
  const eps = (await gatewayCatalogEndpoints()) as Array<{
    id: string;
    state: string;
    slowStartFactor?: number | null;
  }>;
  const e = eps.find((x) => x.id === 'catalog-2');
  return e === undefined ? undefined : { state: e.state, slowStartFactor: e.slowStartFactor ?? null };
}

/** Share of the requests sent in [from, to) that catalog-2 served. */
function shareOfCatalog2(outcomes: readonly Outcome[], from: number, to: number): number {
  const sent = outcomes.filter((o) => o.sentAt >= from && o.sentAt < to && o.status === 200);
  return sent.length === 0 ? 0 : sent.filter((o) => o.catalog === 'catalog-2').length / sent.length;
}

let workdir: string;

beforeAll(async () => {
  workdir = await startDemoMesh('meshdev-slow-start-');
  // The mesh's own load generator would add its 20 rps on top of ours, and only ours is counted.
  await execa('docker', ['stop', '-t', '2', `${DEMO_PROJECT}-loadgen`], { reject: false });
  // A fault, partition, killed or paused replica left by an interrupted run must not decide this one.
  await resetCatalog(workdir);
  await untilCatalogInRotation();
}, 900_000);

afterAll(async () => {
  await stopDemoMesh(workdir);
}, 300_000);

describe.sequential('slow start in the demo mesh under load through the ingress', () => {
  it('serves the baseline load', async () => {
    const { outcomes } = await underLoad(6000, async () => undefined);
    const f = figures(outcomes);
    report('slow-start', 'baseline', f);
    expect(f.successPercent, firstFailure(outcomes)).toBeGreaterThanOrEqual(99.9);
  });

  it('kill and restart 1 of 3 catalog replicas: it ramps up, and no request fails after the restart', async () => {
    const loadEndsAt = Date.now() + LOAD_MS;
    const { outcomes, result } = await underLoad(LOAD_MS, async () => {
      await new Promise((r) => setTimeout(r, 2000));
      await cli(['kill', 'catalog-2']);
      // Out of the gateway's rotation (ejected, or gone from Consul's passing instances) before it comes back.
      const outBy = Date.now() + 10_000;
      while (Date.now() < outBy && (await catalog2AtGateway().catch(() => undefined))?.state === 'healthy') {
        await new Promise((r) => setTimeout(r, 250));
      }
      await cli(['start', 'catalog-2']);
      const startedAt = await containerTime(`${DEMO_PROJECT}-catalog-2`, 'StartedAt');
      // The gateway's view while it comes back: the lowest slow-start factor it showed for catalog-2.
      let lowestFactor: number | undefined;
      while (Date.now() < loadEndsAt) {
        const view = await catalog2AtGateway().catch(() => undefined);
        if (view?.state === 'healthy' && view.slowStartFactor !== null) {
          lowestFactor = Math.min(lowestFactor ?? 1, view.slowStartFactor);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      return { startedAt, lowestFactor };
    });
    const { startedAt, lowestFactor } = result;
    const after = outcomes.filter((o) => o.sentAt >= startedAt);
    const f = figures(after);
    const first = after
      .filter((o) => o.catalog === 'catalog-2')
      .reduce<number | undefined>((m, o) => (m === undefined || o.doneAt < m ? o.doneAt : m), undefined);
    const backMs = first === undefined ? undefined : first - startedAt;
    const early = first === undefined ? 0 : shareOfCatalog2(outcomes, first, first + 3000);
    const late = shareOfCatalog2(outcomes, loadEndsAt - 5000, loadEndsAt);
    report(
      'slow-start',
      'after restarting catalog-2',
      f,
      `; first served by catalog-2 ${backMs ?? 'never'} ms after it started; its share ${(early * 100).toFixed(1)}% in` +
        ` its first 3 s back, ${(late * 100).toFixed(1)}% in the last 5 s; lowest slow-start factor at the gateway` +
        ` ${lowestFactor ?? 'never seen'} (window ${SLOW_START.windowMs} ms, floor ${SLOW_START.minWeightPercent}%)`,
    );
    expect(f.ok, firstFailure(after)).toBe(f.total);
    // It ramped: the gateway's sidecar showed it below full weight, and it was not starved meanwhile.
    expect(lowestFactor, 'the gateway sidecar never showed catalog-2 in slow start').toBeDefined();
    expect(lowestFactor!).toBeLessThan(1);
    expect(backMs, 'catalog-2 served nothing after its restart').toBeDefined();
    expect(backMs!).toBeLessThanOrEqual(10_000);
    await untilCatalogInRotation();
  });
});
