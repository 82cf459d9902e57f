import type { IncomingMessage, ServerResponse } from 'node:http';
import { Exchange } from './exchange.js';
import { forwardUpgrade } from './upgrade-forwarder.js';
import { isUpgradeResponse } from './upgrade.js';
import type { ForwarderOptions } from './forwarder-options.js';

/**
 * The HTTP data path of one listener: every request is forwarded to an endpoint of one upstream,
 * with routing, circuit breaking, retries (different endpoint each try, backoff with jitter, retry
 * budget, never resending a request that may have reached the upstream unless it is idempotent),
 * per-try and overall timeouts, and outlier reporting (./exchange.ts). Bodies stream both ways with
 * backpressure (./request-body.ts); an accepted upgrade becomes a byte relay (./upgrade-forwarder.ts).
 */
export class HttpForwarder {
  constructor(readonly opts: ForwarderOptions) {}

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (isUpgradeResponse(res)) forwardUpgrade(this.opts, req, res);
    else new Exchange(this.opts, req, res).start();
  };
}
