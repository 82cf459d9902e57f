import { silentLogger } from '../../proxy/log.js';
import { SidecarBootstrap } from '../../proxy/schema/bootstrap.js';
import { startSidecar } from '../../proxy/sidecar.js';
import type { RunningSidecar } from '../../proxy/sidecar.js';

/**
 * A real sidecar for integration tests: every listener on a free loopback port, registered with the
 * test's Consul agent (checks every 0.5 s), short Consul waits and drain so that tests run quickly.
 * `doc` adds or overrides bootstrap fields (service, instanceId, app, upstreams, mesh...).
 */
export function startTestSidecar(
  consulUrl: string,
  doc: Record<string, unknown>,
  options: { registrationRecheckMs?: number } = {},
): Promise<RunningSidecar> {
  const bootstrap = SidecarBootstrap.parse({
    mesh: 'shop',
    inbound: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    advertiseAddress: '127.0.0.1',
    consul: { url: consulUrl, checkIntervalSeconds: 0.5 },
    ...doc,
  });
  return startSidecar(bootstrap, silentLogger, { consulWaitSeconds: 5, drainMs: 500, ...options });
}
