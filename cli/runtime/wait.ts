/**
 * Readiness as small strategies with a deadline on the whole (testcontainers' WaitStrategy):
 * each `check()` answers "ready yet?" and says what it is still waiting for.
 */
export interface WaitStrategy {
  readonly name: string;
  check(): Promise<{ ready: boolean; detail: string }>;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class WaitTimeoutError extends Error {
  constructor(
    readonly pending: ReadonlyArray<{ name: string; detail: string }>,
    timeoutMs: number,
  ) {
    super(
      `not ready after ${Math.round(timeoutMs / 1000)} s: ${pending.map((p) => `${p.name} (${p.detail})`).join('; ')}`,
    );
    this.name = 'WaitTimeoutError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls every strategy until all are ready at the same time, or the deadline passes. */
export async function waitForAll(strategies: readonly WaitStrategy[], options: WaitOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const deadline = now() + options.timeoutMs;
  let lastReport = '';
  for (;;) {
    const results = await Promise.all(
      strategies.map(async (s) => {
        try {
          return { name: s.name, ...(await s.check()) };
        } catch (err) {
          return { name: s.name, ready: false, detail: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    const pending = results.filter((r) => !r.ready);
    if (pending.length === 0) return;
    const report = pending.map((p) => `${p.name}: ${p.detail}`).join(', ');
    if (report !== lastReport) {
      options.onProgress?.(`waiting for ${report}`);
      lastReport = report;
    }
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    if (now() >= deadline) throw new WaitTimeoutError(pending, options.timeoutMs);
    await sleep(options.intervalMs ?? 250);
  }
}
