import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultEngine, ListenerScope } from './engine.js';
import { answerLocally } from './abort.js';
import { hasFaultHeaders, stripFaultHeaders } from './header-faults.js';
import { partitionReason } from './partition.js';
import { runHttpFaults } from './registry.js';
import type { ChosenFault } from './types.js';

/** The calling service, set by the caller's sidecar on outbound requests (for `match.source` inbound). */
export const SOURCE_HEADER = 'x-meshdev-source';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Wraps a listener's request handler (the forwarder) with faults, in this order:
 *   1. outbound: a partition between this service and the upstream -> 503 with the reason, at once;
 *   2. header faults (`x-meshdev-fault-*`): stripped where not allowed, applied where enabled;
 *   3. fault rules that match this request -> delay / pace / abort / reset / blackhole.
 * Outbound, it also names the calling service in `x-meshdev-source` (replacing any value the client
 * sent), so that inbound faults matching a source service (`--from`) can see who calls.
 * With no fault, no partition and no fault header, the cost is a few property reads.
 */
export function faultingHttpHandler(engine: FaultEngine, scope: ListenerScope, handler: Handler): Handler {
  const upstream = scope.upstream;
  const outbound = scope.direction === 'outbound';
  let generation = -1;
  let candidates: readonly unknown[] = [];
  return (req, res) => {
    if (generation !== engine.generation) {
      generation = engine.generation;
      candidates = engine.forListener(scope);
    }
    if (upstream !== undefined && outbound && engine.partitions.length > 0) {
      const p = engine.partitionTowards(upstream);
      if (p !== undefined) {
        engine.countPartitionRefusal();
        answerLocally({ req, res }, 503, partitionReason(p, engine.self.service, upstream));
        return;
      }
    }
    if (outbound) setSourceHeader(req, engine.self.service);

    let headerFaults: ChosenFault[] | undefined;
    if (hasFaultHeaders(req.headers)) {
      const d = engine.decideHeader(req.headers);
      if (d.strip) stripFaultHeaders(req);
      if (d.kind === 'apply') {
        const end = engine.beginHeaderFault();
        res.once('close', end);
        res.once('finish', end);
        const expiresAt = engine.clock.now() + 600_000;
        headerFaults = [];
        if (d.delayMs !== undefined) {
          headerFaults.push({ id: 'header', action: { type: 'delay', fixedMs: d.delayMs, jitterMs: 0 }, expiresAt });
        }
        if (d.abortStatus !== undefined) {
          headerFaults.push({ id: 'header', action: { type: 'abort', status: d.abortStatus }, expiresAt });
        }
      }
    }

    const rules =
      candidates.length === 0
        ? []
        : engine.decide({
            ...scope,
            path: req.url ?? '/',
            headers: req.headers,
            ...(scope.direction === 'inbound' && typeof req.headers[SOURCE_HEADER] === 'string'
              ? { sourceService: req.headers[SOURCE_HEADER] }
              : {}),
          });

    const x = { req, res };
    const forward = () => handler(req, res);
    if (headerFaults !== undefined) {
      runHttpFaults(
        headerFaults,
        x,
        rules.length === 0 ? forward : () => runHttpFaults(rules, x, forward, engine.env),
        engine.headerEnv,
      );
    } else if (rules.length > 0) {
      runHttpFaults(rules, x, forward, engine.env);
    } else {
      handler(req, res);
    }
  };
}

/** Sets `x-meshdev-source` on both views of the request headers (the forwarder copies `rawHeaders`). */
export function setSourceHeader(req: Pick<IncomingMessage, 'headers' | 'rawHeaders'>, service: string): void {
  const raw = req.rawHeaders;
  if (req.headers[SOURCE_HEADER] !== undefined) {
    for (let i = raw.length - 2; i >= 0; i -= 2) {
      if (raw[i]!.toLowerCase() === SOURCE_HEADER) raw.splice(i, 2);
    }
  }
  req.headers[SOURCE_HEADER] = service;
  raw.push(SOURCE_HEADER, service);
}
