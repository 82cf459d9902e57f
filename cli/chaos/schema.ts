import { z } from 'zod';
import { FaultId } from '../../proxy/schema/faults.js';

/**
 * A chaos scenario (`meshdev chaos run FILE.yaml`): a timeline of faults played while the load
 * generator runs, and objectives on what the clients saw, over the whole run and per step.
 *
 *   name: kill-one-catalog
 *   duration: 60s            # the whole run
 *   rate: 50                 # load generator rate during the run (restored after); optional
 *   steps:
 *     - name: kill-catalog-2
 *       at: 10s              # from the start of the run
 *       for: 20s             # then reverted (fault removed, container started, partition healed)
 *       kill: catalog-2      # one of: fault, kill, stop, pause, restart, partition
 *   objectives:
 *     - phase: run           # "run" (whole run) or a step name (its [at, at+for] window)
 *       successRate: 99.9    # minimum % of requests that succeeded
 *       p99: 1s              # maximum client p99 latency
 *
 * Durations are strings as on the command line (`500ms`, `10s`, `1m30s`); `fault` takes the same
 * fields as the flags of `meshdev fault add`.
 */

const Duration = z.string().min(1);
const Name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a name of lower-case letters, digits, ".", "_", "-"');

export const ChaosFault = z.strictObject({
  target: z.string().min(1),
  delay: Duration.optional(),
  jitter: Duration.optional(),
  abort: z.number().int().optional(),
  reset: z.boolean().optional(),
  blackhole: z.boolean().optional(),
  bandwidth: z.string().optional(),
  tcp: z.boolean().optional(),
  percent: z.number().optional(),
  path: z.string().optional(),
  header: z.array(z.string()).optional(),
  source: z.string().optional(),
  from: z.string().optional(),
});
export type ChaosFault = z.infer<typeof ChaosFault>;

export const ChaosStep = z
  .strictObject({
    name: Name.optional(),
    at: Duration,
    /** Absent: stays until the end of the run (then reverted). */
    for: Duration.optional(),
    fault: ChaosFault.optional(),
    kill: z.string().optional(),
    stop: z.string().optional(),
    pause: z.string().optional(),
    restart: z.string().optional(),
    partition: z.tuple([z.string(), z.string()]).optional(),
  })
  .refine(
    (s) => [s.fault, s.kill, s.stop, s.pause, s.restart, s.partition].filter((x) => x !== undefined).length === 1,
    'give exactly one of fault, kill, stop, pause, restart, partition',
  );
export type ChaosStep = z.infer<typeof ChaosStep>;

export const Objective = z
  .strictObject({
    phase: z.string().default('run'),
    /** Minimum share of requests that succeeded, in percent. */
    successRate: z.number().min(0).max(100).optional(),
    /** Maximum client p99 latency (a duration). */
    p99: Duration.optional(),
    /** Fewer requests than this in the phase: the objective cannot be judged and fails. */
    minRequests: z.number().int().min(1).default(20),
  })
  .refine((o) => o.successRate !== undefined || o.p99 !== undefined, 'give successRate and/or p99');
export type Objective = z.infer<typeof Objective>;

export const Scenario = z.strictObject({
  name: FaultId,
  description: z.string().optional(),
  duration: Duration,
  rate: z.number().min(1).max(5000).optional(),
  steps: z.array(ChaosStep).max(50).default([]),
  objectives: z.array(Objective).min(1),
});
export type Scenario = z.infer<typeof Scenario>;
