import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_PROJECT,
  GATEWAY_SIDECAR,
  cli as cliIn,
  gatewayCatalogEndpoints,
  resetCatalog,
  startDemoMesh,
  stopDemoMesh,
  untilCatalogInRotation,
} from '../support/demo-mesh.js';
import { BUILTIN_DEFAULTS } from '../../proxy/schema/config.js';
import { containerTime, figures, firstFailure, report, underLoad } from '../support/ingress-load.js';

/**
 * Visible failover in the demo mesh, really started in Docker: load through the ingress at a fixed
 * rate while a catalog replica is killed, restarted, made to abort everything, and while gateway and
 * catalog are partitioned. Outcomes are counted here, by the client, not read from the mesh's own
 * metrics. Figures are printed so that they show in the test output.
 *
 * Timing notes: the ejection time is taken from Docker's own record of when the container died
 * (`State.FinishedAt`) to the caller's sidecar log line that took the replica out of rotation, so the
 * CLI's start-up time does not count either way.
 */
/** The built-in per-try timeout and longest backoff (no policy is set in this test). */
const PER_TRY_TIMEOUT_MS = BUILTIN_DEFAULTS.resilience.perTryTimeoutMs;
const BACKOFF_MAX_MS = BUILTIN_DEFAULTS.resilience.retries.backoffMaxMs;

const cli = (args: string[]): Promise<string> => cliIn(workdir, args);

/** `meshdev status --json`'s callers ejecting `instance`, polled until some are listed or `withinMs` passed. */
async function statusEjectedBy(instance: string, withinMs: number): Promise<readonly string[] | null> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const status = JSON.parse(await cli(['status', '--json'])) as {
      services: Array<{ instances: Array<{ id: string; ejectedBy: string[] | null }> }>;
    };
    const found = status.services.flatMap((s) => s.instances).find((i) => i.id === instance);
    const ejectedBy = found?.ejectedBy ?? null;
    if ((ejectedBy !== null && ejectedBy.length > 0) || Date.now() >= deadline) return ejectedBy;
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface LogLine {
  ts?: string;
  event?: string;
  upstream?: string;
  endpoint?: string;
  removed?: string[];
  added?: string[];
}

/** The caller's sidecar's structured log lines since `since` (ms since the epoch). */
async function sidecarEvents(since: number, container = GATEWAY_SIDECAR): Promise<LogLine[]> {
  const r = await execa('docker', ['logs', '--since', new Date(since - 1000).toISOString(), container], {
    reject: false,
    all: true,
  });
  const out: LogLine[] = [];
  for (const line of (r.all ?? '').split('\n')) {
    if (!line.startsWith('{') || line.includes('"type":"access"')) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // not one of ours
    }
  }
  return out;
}

/** When the caller's sidecar first stopped sending to `instance` (outlier ejection or Consul removal). */
function takenOutAt(events: readonly LogLine[], instance: string, after: number): number | undefined {
  const times = events
    .filter(
      (e) =>
        e.upstream === 'catalog' &&
        ((e.event === 'ejected' && e.endpoint === instance) ||
          (e.event === 'endpoints' && e.removed?.includes(instance))),
    )
    .map((e) => Date.parse(e.ts ?? ''))
    .filter((t) => Number.isFinite(t) && t >= after - 50);
  return times.length === 0 ? undefined : Math.min(...times);
}

let workdir: string;

beforeAll(async () => {
  workdir = await startDemoMesh('meshdev-failover-');
  // The mesh's own load generator would add its 20 rps on top of ours, and only ours is counted: on a
  // 2-core machine the extra CPU is what separates a clean failover from a saturated mesh.
  await execa('docker', ['stop', '-t', '2', `${DEMO_PROJECT}-loadgen`], { reject: false });
  // A fault, partition, killed or paused replica left by an interrupted run must not decide this one.
  await resetCatalog(workdir);
  await untilCatalogInRotation();
}, 900_000);

afterAll(async () => {
  await stopDemoMesh(workdir);
}, 300_000);

describe.sequential('failover in the demo mesh under load through the ingress', () => {
  let baselineP99 = 0;

  it('serves the baseline load', async () => {
    const { outcomes } = await underLoad(6000, async () => undefined);
    const f = figures(outcomes);
    baselineP99 = f.p99Ms;
    report('failover', 'baseline', f);
    expect(f.successPercent, firstFailure(outcomes)).toBeGreaterThanOrEqual(99.9);
  });

  it('kill 1 of 3 catalog replicas: clients see >= 99.9% success, the caller ejects it within 1 s', async () => {
    const { outcomes, result: diedAt } = await underLoad(14_000, async () => {
      await new Promise((r) => setTimeout(r, 3000));
      await cli(['kill', 'catalog-2']);
      return containerTime(`${DEMO_PROJECT}-catalog-2`, 'FinishedAt');
    });
    const f = figures(outcomes);
    const events = await sidecarEvents(diedAt);
    const outAt = takenOutAt(events, 'catalog-2', diedAt);
    const ejectionMs = outAt === undefined ? undefined : outAt - diedAt;
    // What the ingress saw of its only upstream meanwhile (a gateway health check failing under CPU
    // contention takes gateway-1 out of discovery, which no catalog failover can hide).
    const ingressEvents = (await sidecarEvents(diedAt - 3000, `${DEMO_PROJECT}-ingress`))
      .filter((e) => e.event === 'endpoints' || e.event === 'ejected')
      .map(
        (e) =>
          `${e.event}${e.removed?.length ? ` -${e.removed.join(',')}` : ''}${e.added?.length ? ` +${e.added.join(',')}` : ''}@${e.ts}`,
      );
    const servedAfter = outcomes.filter((o) => o.sentAt > (outAt ?? diedAt) + 200 && o.catalog === 'catalog-2').length;
    report(
      'failover',
      'kill catalog-2',
      f,
      `; taken out of rotation by the gateway sidecar ${ejectionMs ?? 'never'} ms after it died` +
        ` (${events
          .filter((e) => e.event === 'ejected' || e.event === 'endpoints')
          .map((e) => `${e.event}@${e.ts}`)
          .join(', ')}); ingress: ${ingressEvents.join(', ') || 'no endpoint change'}; baseline p99 ${baselineP99} ms`,
    );
    expect(f.successPercent, firstFailure(outcomes)).toBeGreaterThanOrEqual(99.9);
    expect(ejectionMs, 'the gateway sidecar never ejected catalog-2').toBeDefined();
    expect(ejectionMs!).toBeLessThanOrEqual(1000);
    expect(servedAfter).toBe(0);
    const eps = await gatewayCatalogEndpoints();
    expect(eps.find((e) => e.id === 'catalog-2' && e.state === 'healthy')).toBeUndefined();
  });

  it('restarted, the replica receives traffic again within 10 s', async () => {
    const { outcomes, result: startedAt } = await underLoad(16_000, async () => {
      await new Promise((r) => setTimeout(r, 1000));
      await cli(['start', 'catalog-2']);
      return containerTime(`${DEMO_PROJECT}-catalog-2`, 'StartedAt');
    });
    const f = figures(outcomes);
    const first = outcomes
      .filter((o) => o.catalog === 'catalog-2' && o.sentAt >= startedAt)
      .reduce<number | undefined>((m, o) => (m === undefined || o.doneAt < m ? o.doneAt : m), undefined);
    const backMs = first === undefined ? undefined : first - startedAt;
    report(
      'failover',
      'start catalog-2',
      f,
      `; first response served by catalog-2 ${backMs ?? 'never'} ms after it started`,
    );
    expect(backMs, 'catalog-2 served nothing after its restart').toBeDefined();
    expect(backMs!).toBeLessThanOrEqual(10_000);
    expect(f.successPercent, firstFailure(outcomes)).toBeGreaterThanOrEqual(99.9);
  });

  it('abort 100% on one instance: ejected, clients see >= 99.9% success', async () => {
    const {
      outcomes,
      result: { addedAt, ejectedBy },
    } = await underLoad(12_000, async () => {
      await new Promise((r) => setTimeout(r, 2000));
      const at = Date.now();
      await cli(['fault', 'add', 'catalog-3', '--abort', '503', '--ttl', '60s']);
      return { addedAt: at, ejectedBy: await statusEjectedBy('catalog-3', 5000) };
    });
    const f = figures(outcomes);
    const events = await sidecarEvents(addedAt);
    const ejectedAt = takenOutAt(events, 'catalog-3', addedAt);
    report(
      'failover',
      'abort 503 on catalog-3',
      f,
      `; ejected by the gateway sidecar ${ejectedAt === undefined ? 'never' : `${ejectedAt - addedAt} ms after \`fault add\` started`}`,
    );
    await cli(['fault', 'rm', '--all']);
    expect(f.successPercent, firstFailure(outcomes)).toBeGreaterThanOrEqual(99.9);
    expect(ejectedAt, 'the gateway sidecar never ejected catalog-3').toBeDefined();
    // `meshdev status` tells the same: Consul still passes catalog-3, its caller has taken it out.
    expect(ejectedBy, '`meshdev status` never showed catalog-3 ejected').toEqual(['gateway-1']);
  });

  it('pause 1 of 3 catalog replicas: clients see >= 99.9% success, p99 bounded by the per-try timeout plus backoff', async () => {
    // catalog-3 may still be ejected after the abort test: wait until all three are in rotation, or
    // the paused replica could not be ejected (at most half of them may be out at once).
    await untilCatalogInRotation();
    const { outcomes, result: pausedAt } = await underLoad(14_000, async () => {
      await new Promise((r) => setTimeout(r, 3000));
      const at = Date.now();
      await cli(['pause', 'catalog-1']);
      return at;
    });
    await cli(['unpause', 'catalog-1']);
    const f = figures(outcomes);
    const events = await sidecarEvents(pausedAt);
    const outAt = takenOutAt(events, 'catalog-1', pausedAt);
    // Sent while catalog-1 could still be picked: each of these paid one per-try timeout at most.
    const bound = PER_TRY_TIMEOUT_MS + BACKOFF_MAX_MS + baselineP99;
    report(
      'failover',
      'pause catalog-1',
      f,
      `; taken out of rotation by the gateway sidecar ${outAt === undefined ? 'never' : `${outAt - pausedAt} ms after \`pause\` started`}; p99 bound ${bound} ms (per-try ${PER_TRY_TIMEOUT_MS} + backoff ${BACKOFF_MAX_MS} + baseline p99 ${baselineP99})`,
    );
    expect(f.successPercent, firstFailure(outcomes)).toBeGreaterThanOrEqual(99.9);
    expect(outAt, 'the gateway sidecar never took catalog-1 out of rotation').toBeDefined();
    expect(f.p99Ms).toBeLessThanOrEqual(bound);
    await untilCatalogInRotation();
  });

  it('partition gateway/catalog: requests fail fast with a reason; heal restores', async () => {
    await cli(['partition', 'gateway', 'catalog', '--ttl', '60s']);
    // The partition applies when the sidecars' blocking query returns (well under a second).
    await new Promise((r) => setTimeout(r, 1000));
    const { outcomes } = await underLoad(4000, async () => undefined);
    const f = figures(outcomes);
    report('failover', 'partition gateway|catalog', f, `; per-try timeout ${PER_TRY_TIMEOUT_MS} ms`);
    expect(f.ok).toBe(0);
    for (const o of outcomes) expect(o.body).toContain('partitioned: gateway cannot reach catalog');
    // Refused by the caller's sidecar at once, not after a timeout.
    expect(f.p99Ms).toBeLessThan(PER_TRY_TIMEOUT_MS);

    const { outcomes: after, result: healedAt } = await underLoad(6000, async () => {
      // From when `heal` returns (the partition is gone from KV), not from the CLI's start-up.
      await cli(['heal']);
      return Date.now();
    });
    const firstOk = after.filter((o) => o.status === 200).reduce((m, o) => Math.min(m, o.doneAt), Infinity);
    const settled = after.filter((o) => o.sentAt > firstOk);
    const healedMs = Number.isFinite(firstOk) ? firstOk - healedAt : undefined;
    report('failover', 'heal', figures(settled), `; first success ${healedMs ?? 'never'} ms after \`heal\` returned`);
    expect(healedMs, 'nothing succeeded after heal').toBeDefined();
    expect(healedMs!).toBeLessThanOrEqual(3000);
    expect(figures(settled).successPercent, firstFailure(settled)).toBeGreaterThanOrEqual(99.9);
  });
});
