import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { FAULT_TYPES } from '../schema/faults.js';

/**
 * Fault metrics, declared once with fixed label lists on the sidecar's registry (as Envoy's fault
 * filter stats: injected by type, active faults). Low cardinality: `type` is one of the fault names
 * (plus `partition`, `header_delay`, `header_abort`), `target` one per fault target in the mesh.
 */
export class FaultMetrics {
  readonly injected: Counter<'type'>;
  readonly active: Gauge<'target'>;
  readonly invalidDocuments: Gauge;
  private readonly byType = new Map<string, { inc(): void }>();

  constructor(registry: Registry, activeByTarget: () => ReadonlyMap<string, number>, invalid: () => number) {
    const registers = [registry];
    this.injected = new Counter({
      name: 'meshdev_faults_injected_total',
      help: `Faults injected by this sidecar, by type (${FAULT_TYPES.join(', ')}, partition, header_delay, header_abort).`,
      labelNames: ['type'],
      registers,
    });
    this.active = new Gauge({
      name: 'meshdev_faults_active',
      help: 'Unexpired faults this sidecar knows of, by target (service, service@version or instance).',
      labelNames: ['target'],
      registers,
      collect() {
        // Recomputed at scrape time: faults expire on their own, without any event.
        this.reset();
        for (const [target, n] of activeByTarget()) this.labels(target).set(n);
      },
    });
    this.invalidDocuments = new Gauge({
      name: 'meshdev_fault_documents_invalid',
      help: 'Fault/partition documents in Consul KV that are rejected (invalid, or beyond the limits; see the log, admin /faults or `meshdev fault ls`).',
      registers,
      collect() {
        this.set(invalid());
      },
    });
  }

  /** Pre-bound child per type (no label object per request). */
  count(type: string): void {
    let c = this.byType.get(type);
    if (c === undefined) {
      c = this.injected.labels(type);
      this.byType.set(type, c);
    }
    c.inc();
  }
}
