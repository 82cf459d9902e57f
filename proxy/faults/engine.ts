import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { Rng } from '../policy/types.js';
import { systemRng } from '../policy/types.js';
import type {
  FaultDocument,
  FaultEntry,
  FaultProblem,
  FaultSet,
  HeaderFaultSettings,
  PartitionDocument,
} from '../schema/faults.js';
import {
  HEADER_FAULTS_OFF,
  MAX_FLAKY_CALLERS,
  formatTarget,
  isFlakyAction,
  parseFaultEntries,
} from '../schema/faults.js';
import { FlakyCounters, callerOf } from './flaky-counters.js';
import type { HeaderFaultDecision } from './header-faults.js';
import { decideHeaderFault } from './header-faults.js';
import { FaultMetrics } from './metrics.js';
import { isPartitioned } from './partition.js';
import { faultConcernsListener, isExpired, selectFaults } from './select.js';
import type { FlakyGate } from './select.js';
import type { ChosenFault, FaultContext, FaultEnv, SidecarIdentity, WallClock } from './types.js';
import { chosen, systemWallClock } from './types.js';

/** A listener of the sidecar, as far as faults care. */
export interface ListenerScope {
  readonly direction: 'inbound' | 'outbound';
  readonly protocol: 'http' | 'tcp';
  /** Outbound: the upstream service of this listener. */
  readonly upstream?: string;
}

const EMPTY: FaultSet = { faults: [], partitions: [], headerFaults: HEADER_FAULTS_OFF, problems: [] };

/**
 * The fault set one sidecar currently applies, replaced as a whole when Consul KV changes (the data
 * path never sees half an update), and the per-request questions the data path asks it. Invalid
 * documents are left out by the parser and reported here (log, admin view, gauge); nothing throws.
 */
export class FaultEngine {
  readonly self: SidecarIdentity;
  readonly clock: WallClock;
  readonly rng: Rng;
  readonly env: FaultEnv;
  /** Header faults get their own metric types (`header_delay`, `header_abort`). */
  readonly headerEnv: FaultEnv;
  private readonly log: Logger | undefined;
  private readonly metrics: FaultMetrics | undefined;
  private current: FaultSet = EMPTY;
  private byListener = new Map<string, FaultDocument[]>();
  private activeHeaderFaults = 0;
  private readonly flaky = new FlakyCounters();
  private readonly flakyGate: FlakyGate = (f, ctx) => this.takeFlaky(f, ctx);
  /** Bumped on every replace: wrappers cache their listener's candidates against it. */
  generation = 0;
  source = 'none yet';
  updatedAt: string | undefined;

  constructor(opts: { self: SidecarIdentity; registry?: Registry; log?: Logger; clock?: WallClock; rng?: Rng }) {
    this.self = opts.self;
    this.clock = opts.clock ?? systemWallClock;
    this.rng = opts.rng ?? systemRng;
    this.log = opts.log;
    this.metrics =
      opts.registry === undefined
        ? undefined
        : new FaultMetrics(
            opts.registry,
            () => this.activeByTarget(),
            () => new Set(this.current.problems.map((p) => p.key)).size,
          );
    const count = (type: string) => this.metrics?.count(type);
    this.env = { rng: this.rng, clock: this.clock, injected: count };
    this.headerEnv = { rng: this.rng, clock: this.clock, injected: (type) => count(`header_${type}`) };
  }

  get faults(): readonly FaultDocument[] {
    return this.current.faults;
  }
  get partitions(): readonly PartitionDocument[] {
    return this.current.partitions;
  }
  get headerFaults(): HeaderFaultSettings {
    return this.current.headerFaults;
  }
  get problems(): readonly FaultProblem[] {
    return this.current.problems;
  }

  /** Parses the KV entries under `meshdev/<mesh>/faults/` and replaces the current set. */
  applyEntries(mesh: string, entries: readonly FaultEntry[], source: string): void {
    this.replace(parseFaultEntries(mesh, entries, this.clock.now()), source);
  }

  replace(set: FaultSet, source: string): void {
    const before = JSON.stringify(this.current.problems);
    this.current = set;
    this.flaky.retain(new Set(set.faults.filter((f) => isFlakyAction(f.action)).map((f) => f.id)));
    this.byListener = new Map();
    this.generation++;
    this.source = source;
    this.updatedAt = new Date(this.clock.now()).toISOString();
    if (set.problems.length > 0 && JSON.stringify(set.problems) !== before) {
      const keys = new Set(set.problems.map((p) => p.key)).size;
      this.log?.error(`rejected ${keys} fault document(s); the others apply`, {
        event: 'fault_documents_invalid',
        // A flood of bad keys stays one readable line; admin /faults has them all.
        problems: set.problems.slice(0, 20),
      });
    }
    this.log?.info(`faults: ${set.faults.length} rules, ${set.partitions.length} partitions`, {
      event: 'faults_applied',
      faults: set.faults.map((f) => f.id),
      partitions: set.partitions.map((p) => p.id),
      headerFaults: set.headerFaults.enabled,
    });
  }

  /** The faults that may concern a listener (ignoring expiry and the request); cached per fault set. */
  forListener(scope: ListenerScope): readonly FaultDocument[] {
    const key = `${scope.direction}|${scope.protocol}|${scope.upstream ?? ''}`;
    let list = this.byListener.get(key);
    if (list === undefined) {
      list = this.current.faults.filter((f) => faultConcernsListener(f, { ...scope, self: this.self }));
      this.byListener.set(key, list);
    }
    return list;
  }

  /** Faults to apply to one request/connection, in order (see `selectFaults`). */
  decide(ctx: Omit<FaultContext, 'self'>): ChosenFault[] {
    const candidates = this.forListener(ctx);
    if (candidates.length === 0) return [];
    return selectFaults(candidates, { ...ctx, self: this.self }, this.clock.now(), this.rng, this.flakyGate).map(
      chosen,
    );
  }

  private takeFlaky(f: FaultDocument, ctx: FaultContext): boolean {
    if (!isFlakyAction(f.action)) return false;
    const verdict = this.flaky.take(f.id, f.action.first, callerOf(ctx));
    if (verdict === 'overflow') {
      this.log?.warn(
        `flaky fault ${f.id}: more than ${MAX_FLAKY_CALLERS} callers; requests of further callers pass unfaulted`,
        { event: 'flaky_callers_overflow', fault: f.id },
      );
    }
    return verdict === 'fail';
  }

  /** Is this sidecar's service cut off from `upstream`? */
  partitionTowards(upstream: string): PartitionDocument | undefined {
    if (this.current.partitions.length === 0) return undefined;
    return isPartitioned(this.current.partitions, this.self.service, upstream, this.clock.now());
  }

  decideHeader(headers: Readonly<Record<string, string | string[] | undefined>>): HeaderFaultDecision {
    return decideHeaderFault(headers, this.current.headerFaults, {
      ingress: this.self.ingress,
      active: this.activeHeaderFaults,
    });
  }

  /** A header fault started; the returned function ends it (bounded by `maxActive`). */
  beginHeaderFault(): () => void {
    this.activeHeaderFaults++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.activeHeaderFaults--;
    };
  }

  countPartitionRefusal(): void {
    this.metrics?.count('partition');
  }

  /** Unexpired faults by target label (for `meshdev_faults_active`). */
  activeByTarget(): Map<string, number> {
    const now = this.clock.now();
    const out = new Map<string, number>();
    for (const f of this.current.faults) {
      if (isExpired(f, now)) continue;
      const t = formatTarget(f.target);
      out.set(t, (out.get(t) ?? 0) + 1);
    }
    return out;
  }

  /** For the admin API (`/faults`). */
  view(): Record<string, unknown> {
    const now = this.clock.now();
    return {
      source: this.source,
      updatedAt: this.updatedAt ?? null,
      self: this.self,
      faults: this.current.faults.map((f) => {
        const failedByCaller = isFlakyAction(f.action) ? (this.flaky.countsOf(f.id) ?? {}) : undefined;
        return { ...f, expired: isExpired(f, now), ...(failedByCaller === undefined ? {} : { failedByCaller }) };
      }),
      partitions: this.current.partitions.map((p) => ({ ...p, expired: isExpired(p, now) })),
      headerFaults: { ...this.current.headerFaults, active: this.activeHeaderFaults },
      invalid: this.current.problems,
    };
  }
}
