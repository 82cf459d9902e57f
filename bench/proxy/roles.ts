/**
 * The reference processes of the proxy benchmark (meshdev itself is meshdev-main.ts, bundled apart so
 * its memory is its own), bundled by run.ts and started pinned to a core:
 *   backend PORT                         the HTTP server every proxy forwards to
 *   http-proxy PORT UPSTREAM_PORT        node-http-proxy with a keep-alive agent (the reference)
 *   fixed-rate URL RATE SECONDS          open-loop load at a fixed rate; prints latency percentiles as JSON
 */
import http from 'node:http';
import { Pool } from 'undici';
import httpProxy from 'http-proxy';
import { computeLatencyStats } from './stats.js';
import { BACKEND_BODY } from './backend-response.js';

const [role, ...args] = process.argv.slice(2);
const ready = (port: number) => process.stdout.write(`ready ${port}\n`);

switch (role) {
  case 'backend': {
    const body = Buffer.from(BACKEND_BODY);
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    server.keepAliveTimeout = 65_000;
    server.listen(Number(args[0]), '127.0.0.1', () => ready(Number(args[0])));
    break;
  }
  case 'http-proxy': {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${args[1]}`, agent });
    proxy.on('error', (_err, _req, res) => {
      if ('writeHead' in res && !res.headersSent) res.writeHead(502);
      res.end();
    });
    http
      .createServer((req, res) => proxy.web(req, res))
      .listen(Number(args[0]), '127.0.0.1', () => ready(Number(args[0])));
    break;
  }
  case 'fixed-rate': {
    // Open loop: request i is due at start + i/rate whatever happened before; its latency is measured from
    // when it was DUE, not when it was sent (coordinated-omission correction, as wrk2 does).
    const [url, rateText, secondsText] = args;
    const rate = Number(rateText);
    const total = Math.round(rate * Number(secondsText));
    const origin = new URL(url!);
    const pool = new Pool(origin.origin, { connections: 32, pipelining: 1, keepAliveTimeout: 60_000 });
    const latencies = new Float64Array(total);
    /** Latency from when the request was actually sent (service time, not corrected). */
    const service = new Float64Array(total);
    /** How late the generator sent each request (its own timer lateness; part of every target's figures). */
    const lag = new Float64Array(total);
    let sent = 0;
    let done = 0;
    let errors = 0;
    const start = performance.now();
    const interval = 1000 / rate;
    await new Promise<void>((resolve) => {
      const fire = (i: number) => {
        const due = start + i * interval;
        const sentAt = performance.now();
        lag[i] = sentAt - due;
        pool
          .request({ path: origin.pathname, method: 'GET' })
          .then(async (res) => {
            await res.body.dump();
            if (res.statusCode !== 200) errors++;
          })
          .catch(() => errors++)
          .finally(() => {
            const now = performance.now();
            latencies[i] = now - due;
            service[i] = now - sentAt;
            if (++done === total) resolve();
          });
      };
      const tick = () => {
        const now = performance.now();
        while (sent < total && start + sent * interval <= now) fire(sent++);
        if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      };
      tick();
    });
    await pool.close();
    process.stdout.write(
      `${JSON.stringify({
        ...computeLatencyStats(latencies),
        service: computeLatencyStats(service),
        lag: computeLatencyStats(lag),
        errors,
        seconds: (performance.now() - start) / 1000,
      })}\n`,
    );
    break;
  }
  default:
    process.stderr.write(`unknown role ${role}\n`);
    process.exit(2);
}
