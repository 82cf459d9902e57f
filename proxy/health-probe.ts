import http from 'node:http';

/**
 * Answers "does the app respond?" for the admin `/healthz`. One probe at a time; the result is
 * reused for `cacheMs` so checks arriving together (Consul's, or a person's curl) never pile up on
 * the app.
 */
export class AppProbe {
  private lastAt = -Infinity;
  private lastOk = false;
  private lastDetail = 'not probed yet';
  private inflight: Promise<boolean> | undefined;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly target: { host: string; port: number; path: string },
    private readonly timeoutMs = 2000,
    private readonly cacheMs = 250,
  ) {}

  get detail(): string {
    return this.lastDetail;
  }

  check(): Promise<boolean> {
    if (performance.now() - this.lastAt < this.cacheMs) return Promise.resolve(this.lastOk);
    this.inflight ??= this.probe().then((ok) => {
      this.lastOk = ok;
      this.lastAt = performance.now();
      this.inflight = undefined;
      return ok;
    });
    return this.inflight;
  }

  private probe(): Promise<boolean> {
    const { host, port, path } = this.target;
    return new Promise((resolve) => {
      const req = http.get({ host, port, path, agent: this.agent, timeout: this.timeoutMs }, (res) => {
        res.resume();
        const ok = (res.statusCode ?? 500) < 400;
        this.lastDetail = `GET http://${host}:${port}${path} -> ${res.statusCode}`;
        resolve(ok);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err: Error & { code?: string }) => {
        this.lastDetail = `GET http://${host}:${port}${path} failed: ${err.code ?? err.message}`;
        resolve(false);
      });
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
