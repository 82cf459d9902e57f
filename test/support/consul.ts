import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real `consul agent -dev` on random free ports (http, serf lan/wan, server, grpc; dns off), so
 * several can run in parallel. `await using consul = await startConsul()` stops it at scope end.
 */
export interface ConsulAgent extends AsyncDisposable {
  readonly url: string;
  readonly httpPort: number;
  stop(): Promise<void>;
  /** Stops the process but keeps the object (to test "Consul went away"); `restart` starts it again on the same port. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForLeader(
  url: string,
  deadlineMs: number,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`consul exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${url}/v1/status/leader`, { signal: AbortSignal.timeout(1000) });
      const leader = (await res.text()).replace(/"/g, '').trim();
      if (res.ok && leader !== '') {
        // The dev agent also needs to have synced its own node before registrations stick.
        const node = await fetch(`${url}/v1/catalog/nodes`, { signal: AbortSignal.timeout(1000) });
        const nodes = (await node.json()) as unknown[];
        if (nodes.length > 0) return;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`consul at ${url} elected no leader within ${deadlineMs} ms:\n${output()}`);
}

export async function startConsul(opts: { binary?: string; timeoutMs?: number } = {}): Promise<ConsulAgent> {
  const binary = opts.binary ?? process.env.MESHDEV_CONSUL_BIN ?? 'consul';
  const ports = {
    http: await freePort(),
    serfLan: await freePort(),
    serfWan: await freePort(),
    server: await freePort(),
    grpc: await freePort(),
  };
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'meshdev-consul-'));
  const url = `http://127.0.0.1:${ports.http}`;
  let child: ChildProcess;
  let output = '';
  const launch = async () => {
    output = '';
    child = spawn(
      binary,
      [
        'agent',
        '-dev',
        '-bind=127.0.0.1',
        '-client=127.0.0.1',
        `-http-port=${ports.http}`,
        '-dns-port=-1',
        `-serf-lan-port=${ports.serfLan}`,
        `-serf-wan-port=${ports.serfWan}`,
        `-server-port=${ports.server}`,
        `-grpc-port=${ports.grpc}`,
        `-node=meshdev-test-${ports.http}`,
        '-log-level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CONSUL_HTTP_ADDR: url } },
    );
    child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    await waitForLeader(url, opts.timeoutMs ?? 20_000, child, () => output);
  };
  const killChild = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killChild();
    await rm(dataDir, { recursive: true, force: true });
  };
  return {
    url,
    httpPort: ports.http,
    stop,
    kill: killChild,
    restart: launch,
    [Symbol.asyncDispose]: stop,
  };
}
