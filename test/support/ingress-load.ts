import { execa } from 'execa';
import { loadavg } from 'node:os';

/**
 * Fixed-rate load through the demo mesh's ingress, counted by the client (not read from the mesh's
 * own metrics), as the Docker failover and slow-start tests drive it; figures are printed so that
 * they show in the test output.
 */
export const INGRESS = 'http://127.0.0.1:8080/products';
/** Requests per second. */
export const RATE = 50;
const REQUEST_TIMEOUT_MS = 20_000;

export interface Outcome {
  /** Milliseconds since the epoch when the request was sent. */
  sentAt: number;
  doneAt: number;
  latencyMs: number;
  /** 0 when no response arrived (connection error, client timeout). */
  status: number;
  catalog?: string;
  body?: string;
}

export interface Figures {
  total: number;
  ok: number;
  successPercent: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  failures: Record<string, number>;
}

export async function oneRequest(): Promise<Outcome> {
  const sentAt = Date.now();
  try {
    const res = await fetch(INGRESS, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    const doneAt = Date.now();
    let catalog: string | undefined;
    if (res.status === 200) {
      try {
        catalog = (JSON.parse(text) as { servedBy?: { catalog?: string } }).servedBy?.catalog;
      } catch {
        // counted as served, just without a replica name
      }
    }
    return {
      sentAt,
      doneAt,
      latencyMs: doneAt - sentAt,
      status: res.status,
      catalog,
      body: res.status === 200 ? undefined : text.slice(0, 2000),
    };
  } catch (err) {
    const doneAt = Date.now();
    return { sentAt, doneAt, latencyMs: doneAt - sentAt, status: 0, body: String(err) };
  }
}

/**
 * Open-loop load at a fixed rate for `durationMs` (requests are sent on schedule whether or not the
 * previous ones answered), bounded in count (rate x duration) and in time (each request times out).
 * `during` runs concurrently (the fault), its result is returned with the outcomes.
 */
export async function underLoad<T>(
  durationMs: number,
  during: () => Promise<T>,
): Promise<{ outcomes: Outcome[]; result: T }> {
  const count = Math.round((RATE * durationMs) / 1000);
  const interval = 1000 / RATE;
  const start = Date.now();
  const pending: Promise<Outcome>[] = [];
  const sending = (async () => {
    for (let i = 0; i < count; i++) {
      const due = start + i * interval;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(oneRequest());
    }
  })();
  const result = await during();
  await sending;
  return { outcomes: await Promise.all(pending), result };
}

export function figures(outcomes: readonly Outcome[]): Figures {
  const lat = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const at = (q: number) => lat[Math.max(0, Math.ceil(q * lat.length) - 1)] ?? 0;
  const ok = outcomes.filter((o) => o.status === 200).length;
  const failures: Record<string, number> = {};
  for (const o of outcomes) if (o.status !== 200) failures[reasonOf(o)] = (failures[reasonOf(o)] ?? 0) + 1;
  return {
    total: outcomes.length,
    ok,
    successPercent: outcomes.length === 0 ? 0 : Math.round((ok / outcomes.length) * 100_000) / 1000,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: lat[lat.length - 1] ?? 0,
    failures,
  };
}

/** "status code: message" of a failed request (the gateway's JSON error, or a sidecar's plain-text reason). */
export function reasonOf(o: Outcome): string {
  const body = o.body ?? '';
  try {
    const e = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
    if (e !== undefined) return `${o.status} ${e.code}: ${e.message?.replace(/\(from the sidecar: .*$/, '').trim()}`;
  } catch {
    // plain text
  }
  return `${o.status} ${body.split('\n')[0]!.slice(0, 100)}`;
}

/** `[tag] phase: ok/total ...` on the test's output. */
export function report(tag: string, phase: string, f: Figures, extra = ''): void {
  console.log(
    `[${tag}] ${phase}: ${f.ok}/${f.total} ok = ${f.successPercent}% at ${RATE} rps; p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms` +
      (Object.keys(f.failures).length > 0 ? `; failures ${JSON.stringify(f.failures)}` : '') +
      extra +
      ` (host load average ${loadavg()[0]!.toFixed(1)})`,
  );
}

export function firstFailure(outcomes: readonly Outcome[]): string {
  const o = outcomes.find((x) => x.status !== 200);
  return o === undefined ? 'none' : `status ${o.status}: ${o.body ?? ''}`;
}

/** When Docker says a container started or stopped (its own record, not the CLI's). */
export async function containerTime(name: string, field: 'StartedAt' | 'FinishedAt'): Promise<number> {
  const r = await execa('docker', ['inspect', '-f', `{{.State.${field}}}`, name]);
  return Date.parse(r.stdout.trim());
}
