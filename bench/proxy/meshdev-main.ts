/**
 * meshdev's standalone proxy as the benchmark runs it (all features on: balancer, retries, outlier
 * detection, circuit breaker, metrics, traceparent, sampled access log to stderr).
 * Args: PORT UPSTREAM_PORT ACCESS_LOG_SAMPLE. Prints `ready PORT`.
 */
import { startStandalone } from '../../proxy/standalone.js';
import { BufferedStdout, Logger } from '../../proxy/log.js';
import { lookup } from 'node:dns/promises';

// A sidecar resolves Consul's hostname (`http://consul:8500`): dns.lookup runs getaddrinfo on libuv's
// threadpool, which starts its threads (4 by default, each with its own malloc arena) on first use. The
// standalone proxy forwards to an IP and would never start them; resolve once so its memory is a sidecar's.
await lookup('localhost');

const [port, upstreamPort, sample] = process.argv.slice(2);
const running = await startStandalone(
  {
    listen: { host: '127.0.0.1', port: Number(port) },
    upstreams: [{ host: '127.0.0.1', port: Number(upstreamPort) }],
    admin: { host: '127.0.0.1', port: 0 },
    accessLogSampleRate: Number(sample ?? '0.01'),
  },
  new Logger(new BufferedStdout(process.stderr)),
);
process.stdout.write(`ready ${running.listener.boundPort}\n`);
for (const sig of ['SIGTERM', 'SIGINT'] as const)
  process.once(sig, () => void running.stop().then(() => process.exit(0)));
