/**
 * Turning the engine's JSON progress streams into a few readable lines. Pure: events in, lines out
 * (the caller throttles by time).
 */

/** Splits a chunked newline-delimited JSON stream; returns the parsed objects and the unfinished rest. */
export function splitJsonLines(rest: string, chunk: string): { events: unknown[]; rest: string } {
  const text = rest + chunk;
  const parts = text.split('\n');
  const tail = parts.pop() ?? '';
  const events: unknown[] = [];
  for (const part of parts) {
    const line = part.trim();
    if (line === '') continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      events.push({ stream: line });
    }
  }
  return { events, rest: tail };
}

export interface StreamEvent {
  readonly status?: string;
  readonly id?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
  readonly stream?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
  readonly aux?: { readonly ID?: string };
}

export function asStreamEvent(value: unknown): StreamEvent {
  return typeof value === 'object' && value !== null ? (value as StreamEvent) : {};
}

export function eventError(e: StreamEvent): string | undefined {
  return e.error ?? e.errorDetail?.message;
}

interface LayerState {
  readonly status: string;
  readonly current: number;
  readonly total: number;
}

/** Per-layer state of a pull: `Downloading`, `Extracting`, `Pull complete`... */
export type PullState = ReadonlyMap<string, LayerState>;

export function applyPullEvent(state: PullState, e: StreamEvent): PullState {
  if (e.id === undefined || e.status === undefined || !/^[0-9a-f]{12,}$/.test(e.id)) return state;
  const next = new Map(state);
  const prev = state.get(e.id);
  const downloading = e.status === 'Downloading';
  next.set(e.id, {
    status: e.status,
    current: downloading ? (e.progressDetail?.current ?? prev?.current ?? 0) : (prev?.current ?? 0),
    total: downloading ? (e.progressDetail?.total ?? prev?.total ?? 0) : (prev?.total ?? 0),
  });
  return next;
}

const DONE = new Set(['Pull complete', 'Already exists']);

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

/** `3/7 layers done, 45.2/120.0 MB downloaded`. */
export function summarizePull(state: PullState): string {
  const layers = [...state.values()];
  const done = layers.filter((l) => DONE.has(l.status)).length;
  const total = layers.reduce((s, l) => s + l.total, 0);
  const current = layers.reduce(
    (s, l) => s + (DONE.has(l.status) || l.status === 'Download complete' ? l.total : l.current),
    0,
  );
  const bytes = total > 0 ? `, ${mb(current)}/${mb(total)} MB downloaded` : '';
  return `${done}/${layers.length} layers done${bytes}`;
}

/** A build event as a line worth showing: `Step 3/7 : RUN ...` lines, or the build's own output. */
export type BuildLine =
  { readonly kind: 'step'; readonly text: string } | { readonly kind: 'output'; readonly text: string };

export function buildLines(e: StreamEvent): BuildLine[] {
  if (e.stream === undefined) return [];
  const lines: BuildLine[] = [];
  for (const raw of e.stream.split('\n')) {
    // Strip ANSI colour codes apt sometimes emits on stderr.
    // eslint-disable-next-line no-control-regex
    const line = raw.replace(/\u001b\[[0-9;]*m/g, '').trimEnd();
    if (line.trim() === '' || /^ ---> /.test(line) || /^Removing intermediate container/.test(line)) continue;
    if (/^Step \d+\/\d+ :/.test(line)) lines.push({ kind: 'step', text: truncate(line.replace(/\s+/g, ' '), 110) });
    else lines.push({ kind: 'output', text: truncate(line.trim(), 110) });
  }
  return lines;
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
