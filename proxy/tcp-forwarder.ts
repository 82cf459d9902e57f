import net from 'node:net';
import type { Endpoint, Upstream } from './upstream.js';
import type { Logger } from './log.js';

/**
 * L4 data path for upstreams declared `protocol: tcp`: connect to an endpoint (another one on
 * connect failure, up to the retry limit), then pipe bytes both ways and count them.
 */
export function createTcpForwarder(upstream: Upstream, log: Logger): (client: net.Socket) => void {
  return (client: net.Socket) => {
    upstream.stats.tcpConnections.inc();
    client.pause();
    let attempts = 0;
    let tried: Set<string> | undefined;
    client.on('error', () => client.destroy());
    const connect = (): void => {
      const candidates = upstream.candidates(undefined);
      if (candidates.length === 0 || client.destroyed) {
        if (candidates.length === 0) upstream.stats.noEndpoint.inc();
        client.destroy();
        return;
      }
      const ep = upstream.balancer.pick(candidates, tried) as Endpoint;
      (tried ??= new Set()).add(ep.id);
      attempts++;
      ep.active++;
      const started = performance.now();
      const server = net.connect({ host: ep.host, port: ep.port, allowHalfOpen: true });
      server.setNoDelay(true);
      let connected = false;
      let done = false;
      const end = () => {
        if (done) return;
        done = true;
        ep.active--;
        if (connected) {
          upstream.stats.tcpBytesSent.inc(server.bytesWritten);
          upstream.stats.tcpBytesReceived.inc(server.bytesRead);
        }
      };
      server.once('connect', () => {
        connected = true;
        upstream.report(ep, 'success', performance.now() - started);
        server.pipe(client);
        client.pipe(server);
        client.resume();
      });
      server.on('error', (err: Error & { code?: string }) => {
        if (!connected) {
          end();
          upstream.report(ep, 'gateway-error', performance.now() - started);
          if (attempts <= upstream.config.resilience.retries.maxRetries) {
            connect();
            return;
          }
          log.warn('tcp connect failed', { upstream: upstream.name, endpoint: ep.id, error: err.code ?? err.message });
          client.destroy();
          return;
        }
        client.destroy();
      });
      // Half-closes propagate through pipe(); only an abortive close tears down the other side at once.
      server.on('close', (hadError) => {
        end();
        if (connected && hadError) client.destroy();
      });
      client.on('close', (hadError) => {
        if (hadError) server.destroy();
      });
    };
    connect();
  };
}
