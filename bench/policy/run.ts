/**
 * Micro-benchmarks of the sidecar's hot decision functions: ns/op and ops/s per function, one
 * table. Each case runs a warm-up, then timed rounds of a fixed iteration count; the best round is
 * reported (least disturbed by GC and other processes), with the median next to it.
 *
 * Run it bundled (esbuild), as the sidecar runs in production: vite-node or tsx would turn every
 * cross-module call into a getter on a module object and measure that instead.
 *
 *   npx esbuild bench/policy/run.ts --bundle --platform=node --format=esm \
 *     --outfile=dist/bench/policy.mjs --log-level=warning && node dist/bench/policy.mjs [words]
 *
 * With words, only the cases whose name contains one of them run (e.g. `ewma retry`).
 */
import { BALANCER_NAMES, createBalancer } from '../../proxy/policy/balancer/index.js';
import { CircuitBreaker } from '../../proxy/policy/circuit-breaker.js';
import { OutlierDetector } from '../../proxy/policy/outlier-detector.js';
import type { AttemptOutcome } from '../../proxy/policy/retry.js';
import { decideRetry, DEFAULT_RETRY_POLICY } from '../../proxy/policy/retry.js';
import { RetryBudget } from '../../proxy/policy/retry-budget.js';
import { compileRouteTable, selectVersion } from '../../proxy/policy/routing.js';
import { SlowStart } from '../../proxy/policy/slow-start.js';
import type { TestEndpoint } from '../../proxy/policy/testing.js';
import { seededRng, testEndpoint } from '../../proxy/policy/testing.js';
import type { Balancer, Clock, EndpointView } from '../../proxy/policy/types.js';

interface Case {
  name: string;
  /** Runs the operation `n` times; returns something derived from the results so nothing is optimised away. */
  run(n: number): number;
}

/** A real clock, as in production (performance.now). */
const clock: Clock = { now: () => performance.now() };
const rng = seededRng(12345);

function endpoints(n: number): TestEndpoint[] {
  return Array.from({ length: n }, (_, i) => testEndpoint(`svc-${i}`, { weight: 50 + i * 10, active: i % 4 }));
}

const cases: Case[] = [];

type PickLoop = (
  lb: Balancer,
  eps: readonly EndpointView[],
  avoid: ReadonlySet<string> | undefined,
  n: number,
) => number;

/**
 * A fresh copy of the pick loop per case: closures made from one function literal share V8's type
 * feedback, so a single loop over five balancer classes would measure a megamorphic call site
 * instead of each policy (the data path calls one upstream's balancer from one site per upstream).
 */
function pickLoop(): PickLoop {
  return new Function(
    'lb',
    'eps',
    'avoid',
    'n',
    'let acc = 0; for (let i = 0; i < n; i++) acc += lb.pick(eps, avoid).active; return acc;',
  ) as PickLoop;
}

for (const size of [3, 20]) {
  for (const name of BALANCER_NAMES) {
    const eps = endpoints(size);
    const lb = createBalancer(name, { clock, rng });
    for (const e of eps) lb.observe(e.id, 1 + rng() * 3);
    const loop = pickLoop();
    cases.push({ name: `pick ${name} (${size} endpoints)`, run: (n) => loop(lb, eps, undefined, n) });
  }
}

{
  // Slow start: one endpoint of three within its window, so every pick takes the ramp path.
  for (const name of BALANCER_NAMES) {
    const eps = endpoints(3);
    const slowStart = new SlowStart(clock, { windowMs: 600_000 });
    eps[2]!.activeSince = clock.now();
    slowStart.started(eps[2]!.activeSince);
    const lb = createBalancer(name, { clock, rng, slowStart });
    for (const e of eps) lb.observe(e.id, 1 + rng() * 3);
    const loop = pickLoop();
    cases.push({ name: `pick ${name} (3 endpoints, 1 in slow start)`, run: (n) => loop(lb, eps, undefined, n) });
  }
}

{
  const eps = endpoints(3);
  const avoid = new Set([eps[0]!.id]);
  for (const name of ['round-robin', 'least-request', 'peak-ewma'] as const) {
    const lb = createBalancer(name, { clock, rng });
    const loop = pickLoop();
    cases.push({ name: `pick ${name} (3 endpoints, 1 avoided)`, run: (n) => loop(lb, eps, avoid, n) });
  }
}

{
  // The data path has just read the clock to time the request: passing it saves a clock read.
  const eps = endpoints(3);
  const lb = createBalancer('peak-ewma', { clock, rng });
  for (const e of eps) lb.observe(e.id, 1 + rng() * 3);
  const now = clock.now();
  const loop = new Function(
    'lb',
    'eps',
    'now',
    'n',
    'let acc = 0; for (let i = 0; i < n; i++) acc += lb.pick(eps, undefined, now).active; return acc;',
  ) as (lb: Balancer, eps: readonly EndpointView[], now: number, n: number) => number;
  cases.push({ name: 'pick peak-ewma (3 endpoints, now passed)', run: (n) => loop(lb, eps, now, n) });
}

{
  const lb = createBalancer('peak-ewma', { clock, rng });
  const ids = endpoints(3).map((e) => e.id);
  const now = clock.now();
  cases.push({
    name: 'observe peak-ewma (now passed)',
    run(n) {
      for (let i = 0; i < n; i++) lb.observe(ids[i % 3]!, 1 + (i & 7), now);
      return lb.estimateMs(ids[0]!) ?? 0;
    },
  });
}

{
  const lb = createBalancer('peak-ewma', { clock, rng });
  const ids = endpoints(3).map((e) => e.id);
  cases.push({
    name: 'observe peak-ewma',
    run(n) {
      for (let i = 0; i < n; i++) lb.observe(ids[i % 3]!, 1 + (i & 7));
      return lb.estimateMs(ids[0]!) ?? 0;
    },
  });
}

{
  const notRetryable: AttemptOutcome = { kind: 'response', status: 500, reachedUpstream: true };
  const retryable: AttemptOutcome = { kind: 'response', status: 503, reachedUpstream: true };
  const ctx = { method: 'GET', attempts: 1, remainingMs: 10_000 };
  const budget = new RetryBudget(clock, { ratio: 1e9 }); // never refuses, so the full chain runs
  budget.recordRequest();
  cases.push({
    name: 'decideRetry (status not retryable)',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += decideRetry(DEFAULT_RETRY_POLICY, notRetryable, ctx, { rng }).retry ? 1 : 0;
      return acc;
    },
  });
  const deps = { rng, budget };
  cases.push({
    name: 'decideRetry (503 GET, retried, budget)',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const d = decideRetry(DEFAULT_RETRY_POLICY, retryable, ctx, deps);
        if (d.retry) acc += d.delayMs;
      }
      return acc;
    },
  });
}

{
  const budget = new RetryBudget(clock);
  cases.push({
    name: 'RetryBudget.recordRequest',
    run(n) {
      for (let i = 0; i < n; i++) budget.recordRequest();
      return budget.snapshot().requestsInWindow;
    },
  });
  const now = clock.now();
  cases.push({
    name: 'RetryBudget.recordRequest (now passed)',
    run(n) {
      for (let i = 0; i < n; i++) budget.recordRequest(now);
      return budget.snapshot().requestsInWindow;
    },
  });
  cases.push({
    name: 'RetryBudget.tryWithdraw',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) if (budget.tryWithdraw()) acc++;
      return acc;
    },
  });
}

{
  const detector = new OutlierDetector(clock);
  const eps = endpoints(3);
  detector.setEndpoints(eps.map((e) => e.id));
  cases.push({
    name: 'OutlierDetector.record success',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) if (detector.record(eps[i % 3]!.id, 'success') !== undefined) acc++;
      return acc;
    },
  });
  const out: TestEndpoint[] = [];
  cases.push({
    name: 'OutlierDetector.routable (none ejected)',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += detector.routable(eps, out).length;
      return acc;
    },
  });
  const ejecting = new OutlierDetector(clock, { baseEjectionMs: 600_000, maxEjectionMs: 600_000 });
  const eps5 = endpoints(5);
  ejecting.setEndpoints(eps5.map((e) => e.id));
  for (let i = 0; i < 3; i++) ejecting.record(eps5[0]!.id, 'gateway-error');
  const out5: TestEndpoint[] = [];
  const now = clock.now();
  cases.push({
    name: 'OutlierDetector.routable (1 of 5 ejected, now passed)',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += ejecting.routable(eps5, out5, now).length;
      return acc;
    },
  });
  cases.push({
    name: 'OutlierDetector.routable (1 of 5 ejected)',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += ejecting.routable(eps5, out5).length;
      return acc;
    },
  });
}

{
  const breaker = new CircuitBreaker();
  cases.push({
    name: 'CircuitBreaker.tryAcquire + release',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        if (breaker.tryAcquire() === 'ok') acc++;
        breaker.release();
      }
      return acc;
    },
  });
}

{
  const split = compileRouteTable({ split: { v1: 90, v2: 10 } });
  const rules = compileRouteTable({
    routes: [
      { match: { pathPrefix: '/admin' }, version: 'v1' },
      { match: { headers: { 'x-canary': 'yes' } }, version: 'v2' },
    ],
    split: { v1: 90, v2: 10 },
  });
  const plain = { routes: [{ match: { headers: { 'x-canary': 'yes' } }, version: 'v2' }] };
  const request = { path: '/products/42', headers: { host: 'catalog', accept: '*/*', 'x-canary': 'no' } };
  cases.push({
    name: 'selectVersion (90/10 split)',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += selectVersion(split, request, rng)!.length;
      return acc;
    },
  });
  cases.push({
    name: 'selectVersion (2 rules, then split)',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += selectVersion(rules, request, rng)!.length;
      return acc;
    },
  });
  cases.push({
    name: 'selectVersion (plain table, cached)',
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += selectVersion(plain, request, rng) === undefined ? 1 : 0;
      return acc;
    },
  });
}

const ITERATIONS = 200_000;
const ROUNDS = 15;

function measure(c: Case): { best: number; median: number } {
  let sink = 0;
  for (let i = 0; i < 5; i++) sink += c.run(ITERATIONS); // warm-up: let the JIT settle
  const perOp: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    sink += c.run(ITERATIONS);
    perOp.push(Number(process.hrtime.bigint() - start) / ITERATIONS);
  }
  if (sink === -1) console.log('unreachable'); // keeps `sink` alive
  perOp.sort((a, b) => a - b);
  return { best: perOp[0]!, median: perOp[Math.floor(perOp.length / 2)]! };
}

const filters = process.argv.slice(2).map((f) => f.toLowerCase());
const selected = cases.filter((c) => filters.length === 0 || filters.some((f) => c.name.toLowerCase().includes(f)));
const width = Math.max(...selected.map((c) => c.name.length));
console.log(`node ${process.version}, ${ITERATIONS} ops x ${ROUNDS} rounds per case (best round, median)`);
console.log(`${'case'.padEnd(width)}  ${'ns/op'.padStart(8)}  ${'median'.padStart(8)}  ${'ops/s'.padStart(14)}`);
for (const c of selected) {
  const { best, median } = measure(c);
  const opsPerSec = Math.round(1e9 / best).toLocaleString('en-US');
  console.log(
    `${c.name.padEnd(width)}  ${best.toFixed(1).padStart(8)}  ${median.toFixed(1).padStart(8)}  ${opsPerSec.padStart(14)}`,
  );
}
