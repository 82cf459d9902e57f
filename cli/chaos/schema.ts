import * as z from 'zod';
import { FaultId } from '../../proxy/schema/faults.js';
import { ServiceName, VersionLabel } from '../../proxy/schema/topology.js';

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
 *       kill: catalog-2      # one of: fault, kill, stop, pause, restart, partition, policy
 *     - at: 0s               # a policy for the whole run (restored at the end), as `meshdev policy set`
 *       policy: { service: catalog, set: { balancer: peak-ewma } }
 *   phases:                  # extra measured windows without an action of their own
 *     - { name: baseline, at: 2s, for: 8s }
 *   objectives:
 *     - phase: run           # "run" (whole run), a step name (its [at, at+for] window) or a phase name
 *       successRate: 99.9    # minimum % of requests that succeeded
 *       p99: 1s              # maximum client p99 latency: a duration, or relative to another
 *                            # phase measured in the same run: `2x baseline` (`2x baseline + 150ms`
 *                            # adds a fixed slack)
 *
 * Durations are strings as on the command line (`500ms`, `10s`, `1m30s`); `fault` takes the same
 * fields as the flags of `meshdev fault add`; `policy.set` takes the same keys as `meshdev policy
 * set` (dotted keys, `null` unsets), written as a map whose YAML values are used as they are. Both
 * are checked by the control domain (cli/control/), as the commands are.
 */

/** Text with a unit (`10s`), read by planScenario; a bare YAML number (`at: 10`) has none. */
const Duration = z
  .string({
    error: (iss) => (iss.input === undefined ? undefined : 'a duration with a unit, e.g. 500ms, 10s or 1m30s'),
  })
  .min(1, 'a duration with a unit, e.g. 500ms, 10s or 1m30s');
const Name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a name of lower-case letters, digits, ".", "_", "-"');

export const ChaosFault = z.strictObject({
  target: z.string().min(1),
  delay: Duration.optional(),
  jitter: Duration.optional(),
  abort: z.number().int().optional(),
  reset: z.boolean().optional(),
  blackhole: z.boolean().optional(),
  bandwidth: z.string().optional(),
  flaky: z.number().optional(),
  status: z.number().optional(),
  tcp: z.boolean().optional(),
  percent: z.number().optional(),
  path: z.string().optional(),
  header: z.array(z.string()).optional(),
  source: z.string().optional(),
  from: z.string().optional(),
});
export type ChaosFault = z.infer<typeof ChaosFault>;

/**
 * Changes a live policy document for the step's window (`meshdev policy set` as a step); the
 * document as it was before is written back when the step is reverted.
 */
export const ChaosPolicy = z
  .strictObject({
    /** Calls to this service (what `meshdev policy set SERVICE` changes)... */
    service: ServiceName.optional(),
    /** ...or the mesh-wide defaults document. */
    defaults: z.literal(true).optional(),
    /** The per-version document of `service` (resilience only). */
    version: VersionLabel.optional(),
    /** Dotted keys to values, e.g. `{ balancer: peak-ewma, resilience.perTryTimeoutMs: 500 }`; null unsets. */
    set: z.record(z.string().min(1), z.unknown()).refine((o) => Object.keys(o).length > 0, 'at least one KEY: VALUE'),
  })
  .refine((p) => (p.service === undefined) !== (p.defaults === undefined), 'give exactly one of service or defaults')
  .refine((p) => p.version === undefined || p.service !== undefined, 'version needs a service');
export type ChaosPolicy = z.infer<typeof ChaosPolicy>;

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
    policy: ChaosPolicy.optional(),
  })
  .refine(
    (s) =>
      [s.fault, s.kill, s.stop, s.pause, s.restart, s.partition, s.policy].filter((x) => x !== undefined).length === 1,
    'give exactly one of fault, kill, stop, pause, restart, partition, policy',
  );
export type ChaosStep = z.infer<typeof ChaosStep>;

export const Objective = z
  .strictObject({
    phase: z.string().default('run'),
    /** Minimum share of requests that succeeded, in percent. */
    successRate: z.number().min(0).max(100).optional(),
    /**
     * Maximum client p99 latency: a duration (`1s`), or a multiple of another phase's p99 measured
     * in the same run (`2x baseline`), so the objective holds on a fast laptop and a loaded CI box.
     */
    p99: Duration.optional(),
    /** Fewer requests than this in the phase: the objective cannot be judged and fails. */
    minRequests: z.number().int().min(1).default(20),
  })
  .refine((o) => o.successRate !== undefined || o.p99 !== undefined, 'give successRate and/or p99');
export type Objective = z.infer<typeof Objective>;

/** A measured window without an action of its own (a baseline to compare with). */
export const MeasuredPhase = z.strictObject({
  name: Name,
  at: Duration,
  /** Absent: to the end of the run. */
  for: Duration.optional(),
});
export type MeasuredPhase = z.infer<typeof MeasuredPhase>;

export const Scenario = z.strictObject({
  name: FaultId,
  description: z.string().optional(),
  duration: Duration,
  rate: z.number().min(1).max(5000).optional(),
  steps: z.array(ChaosStep).max(50).default([]),
  phases: z.array(MeasuredPhase).max(20).default([]),
  objectives: z.array(Objective).min(1),
});
export type Scenario = z.infer<typeof Scenario>;
