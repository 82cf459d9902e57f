import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseDecimal } from '../flags.js';
import { BALANCER_NAMES, DEFAULT_BALANCER, isBalancerName } from '../../proxy/schema/index.js';

/** `meshdev proxy`: the sidecar's data path in standalone mode (static upstreams, no Consul). */
export function registerProxy(program: Command): void {
  program
    .command('proxy')
    .description(
      'Run the meshdev proxy standalone: static upstream(s), no Consul, every feature on (for benchmarks and debugging).',
    )
    .requiredOption('--listen <host:port>', 'address to accept requests on, e.g. 127.0.0.1:10000')
    .requiredOption('--upstream <host:port,...>', 'one or more upstream endpoints, comma-separated')
    .option('--lb <policy>', `balancer: ${BALANCER_NAMES.join(', ')}`, DEFAULT_BALANCER)
    .option('--admin <host:port>', 'admin API (/metrics, /endpoints, /config) address')
    .option('--access-log-sample <rate>', 'share of requests written to the access log, 0..1', '1')
    .action(async (opts: { listen: string; upstream: string; lb: string; admin?: string; accessLogSample: string }) => {
      const listen = parseHostPort(opts.listen, '--listen');
      const upstreams = opts.upstream
        .split(',')
        .filter((s) => s.trim() !== '')
        .map((s) => parseHostPort(s.trim(), '--upstream', 1));
      if (upstreams.length === 0) throw new UsageError('--upstream: at least one HOST:PORT is needed');
      if (!isBalancerName(opts.lb)) {
        throw new UsageError(`--lb: unknown balancer "${opts.lb}"`, {
          fix: `Use one of: ${BALANCER_NAMES.join(', ')}.`,
        });
      }
      const sample = parseDecimal(opts.accessLogSample, '--access-log-sample', { min: 0, max: 1 });
      const admin = opts.admin === undefined ? undefined : parseHostPort(opts.admin, '--admin');
      // The one import of proxy/ beyond its schema: this command is the sidecar's data path, in-process.
      const { startStandalone } = await import('../../proxy/standalone.js');
      const running = await startStandalone({
        listen,
        upstreams,
        balancer: opts.lb,
        admin,
        accessLogSampleRate: sample,
      }).catch((err: Error & { code?: string }) => {
        if (err.code === 'EADDRINUSE')
          throw new UsageError(`${err.message}: the address is already in use`, {
            fix: 'Pick another --listen/--admin port.',
          });
        throw err;
      });
      running.log.info(
        `meshdev proxy listening on ${listen.host}:${running.listener.boundPort} -> ${upstreams.map((u) => `${u.host}:${u.port}`).join(', ')} (${opts.lb})` +
          (running.adminPort === undefined ? '' : `; admin ${admin!.host}:${running.adminPort}`),
      );
      running.log.flush();
      await new Promise<void>((resolve) => {
        // `on`, not `once`: a second signal while draining must not kill the process mid-drain.
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          void running.stop().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/** `HOST:PORT` or `[IPv6]:PORT`; port 0 (any free port) only where `minPort` allows it (a listener). */
export function parseHostPort(value: string, flag: string, minPort = 0): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port >= minPort && port <= 65535)) {
    throw new UsageError(
      `${flag}: expected HOST:PORT with a port from ${minPort} to 65535 (e.g. 127.0.0.1:8000), got "${value}"`,
    );
  }
  return { host: m[1] ?? m[2]!, port };
}
