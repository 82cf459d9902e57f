import os from 'node:os';
import type { ConsulClient, ServiceRegistration } from './client.js';
import { consulDuration, describe } from './client.js';
import { CONSUL_META } from '../schema/bootstrap.js';
import type { SidecarBootstrap } from '../schema/bootstrap.js';
import type { Logger } from '../log.js';
import type { ProxyMetrics } from '../metrics.js';
import { Backoff, sleep } from '../backoff.js';

/** The Consul registration of one sidecar (pure: the address is resolved by the caller). */
export function buildRegistration(
  b: SidecarBootstrap,
  address: string,
  ports: { inbound: number; admin: number },
): ServiceRegistration {
  const role = b.mode === 'ingress' ? 'ingress' : 'sidecar';
  return {
    ID: b.instanceId,
    Name: b.mode === 'ingress' ? 'ingress' : b.service,
    Address: address,
    Port: ports.inbound,
    Tags: [`version:${b.version}`],
    Meta: {
      [CONSUL_META.mesh]: b.mesh,
      [CONSUL_META.instance]: b.instanceId,
      [CONSUL_META.version]: b.version,
      [CONSUL_META.metricsPort]: String(ports.admin),
      [CONSUL_META.role]: role,
    },
    Weights: { Passing: b.weight, Warning: 1 },
    // No DeregisterCriticalServiceAfter: a dead app must stay visible as critical.
    Check: {
      HTTP: `http://${hostForUrl(address)}:${ports.admin}/healthz`,
      Interval: consulDuration(b.consul.checkIntervalSeconds),
      // Generous: on a busy 2-core laptop one slow probe must not drop an instance (or the only one).
      Timeout: '3s',
    },
  };
}

function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** First non-internal IPv4 address of this host (the container's address on the mesh network). */
export function defaultAdvertiseAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * Keeps this instance registered: retries until the agent answers (it may start after the
 * sidecar), then re-checks periodically and re-registers if the agent forgot it (agent restart).
 */
export class Registrar {
  registered = false;
  private loop: Promise<void> | undefined;
  constructor(
    private readonly consul: ConsulClient,
    private readonly registration: ServiceRegistration,
    private readonly log: Logger,
    private readonly metrics: ProxyMetrics,
    private readonly recheckMs = 10_000,
  ) {}

  start(signal: AbortSignal): void {
    this.loop = this.run(signal);
  }

  private async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(200, 5_000);
    let warned = false;
    while (!signal.aborted) {
      try {
        if (!this.registered || !(await this.consul.hasService(this.registration.ID, signal))) {
          await this.consul.registerService(this.registration, signal);
          this.registered = true;
          this.log.info(`registered ${this.registration.ID} as ${this.registration.Name} with consul`, {
            event: 'registered',
            address: `${this.registration.Address}:${this.registration.Port}`,
          });
          warned = false;
        }
        backoff.reset();
        await sleep(this.recheckMs, signal);
      } catch (err) {
        if (signal.aborted) return;
        this.registered = false;
        this.metrics.consulErrors.labels('register').inc();
        if (!warned) {
          this.log.warn('cannot register with consul yet; retrying with backoff', { error: describe(err) });
          warned = true;
        }
        await sleep(backoff.next(), signal);
      }
    }
  }

  async deregister(): Promise<void> {
    await this.loop?.catch(() => undefined);
    try {
      await this.consul.deregisterService(this.registration.ID, AbortSignal.timeout(2000));
      this.registered = false;
      this.log.info(`deregistered ${this.registration.ID}`, { event: 'deregistered' });
    } catch (err) {
      this.log.warn('deregistration failed', { error: describe(err) });
    }
  }
}
