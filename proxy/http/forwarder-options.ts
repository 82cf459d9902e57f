import type { Clock, Rng } from '../policy/types.js';
import type { Upstream } from '../upstream.js';
import type { Direction, RouteStats } from '../metrics.js';
import type { Logger } from '../log.js';
import type { UpstreamClient } from './upstream-client.js';

/** What every exchange of one HTTP listener shares: requests, upgrades and the access log alike. */
export interface ForwarderOptions {
  upstream: Upstream;
  direction: Direction;
  stats: RouteStats;
  /** Keep-alive connections to the upstream's endpoints (Upgrade requests open their own). */
  client: UpstreamClient;
  log: Logger;
  clock: Clock;
  rng: Rng;
  /** Adds `x-meshdev-endpoint` to responses (off in production: it leaks instance ids). */
  exposeEndpoint?: boolean;
}
