/**
 * Pacing the bytes a sidecar writes to a client, for bandwidth limits and TCP latency. The schedule
 * is pure (a `Pacer` says when a slice may go out); `paceWrites` does the I/O by interposing on the
 * writer's `write`/`end` (an `http.ServerResponse` or a `net.Socket`), so the data path that writes
 * into it (a pipe, the forwarder) needs no change and still sees backpressure (`write()` returns
 * false and 'drain' follows).
 */

export interface Pacer {
  /** Largest slice a chunk is cut into (smaller slices give a smoother rate). */
  readonly maxSlice: number;
  /** When a slice of `bytes` written at `now` may be sent (ms, same clock as `now`). */
  releaseAt(bytes: number, now: number): number;
}

/**
 * Bytes/s as a token bucket with no burst: each slice starts when the previous one has "drained" at
 * the rate. Slices hold at most 1/20 s of data (min 1 byte, max 16 KiB), so a 200 KiB body at
 * 100 KiB/s goes out in ~2 s of steady 5 KiB steps rather than one burst and a long pause.
 */
export class BandwidthPacer implements Pacer {
  readonly maxSlice: number;
  private freeAt = -Infinity;
  constructor(private readonly bytesPerSecond: number) {
    this.maxSlice = Math.max(1, Math.min(16 * 1024, Math.floor(bytesPerSecond / 20)));
  }
  releaseAt(bytes: number, now: number): number {
    const start = Math.max(now, this.freeAt);
    this.freeAt = start + (bytes * 1000) / this.bytesPerSecond;
    return start;
  }
}

/** Every chunk waits `delay()` ms after it was written, and never overtakes an earlier one. */
export class LatencyPacer implements Pacer {
  readonly maxSlice = Infinity;
  private last = -Infinity;
  constructor(private readonly delay: () => number) {}
  releaseAt(_bytes: number, now: number): number {
    this.last = Math.max(now + this.delay(), this.last);
    return this.last;
  }
}

/** What `paceWrites` needs of a writer: `http.ServerResponse` and `net.Socket` both fit. */
export interface PaceableWriter {
  write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean;
  end(chunk?: unknown, encoding?: unknown, cb?: unknown): unknown;
  emit(event: string | symbol, ...args: unknown[]): boolean;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  readonly destroyed: boolean;
}

interface Slice {
  buf: Buffer;
  at: number;
  cb: ((err?: Error | null) => void) | undefined;
}

const HIGH_WATER = 64 * 1024;

function toBuffer(chunk: unknown, encoding: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
}

/**
 * From now on, bytes written to `w` leave at the pace `pacer` dictates. Returns a function that
 * cancels pacing (pending slices are dropped: used when the writer is torn down).
 */
export function paceWrites(w: PaceableWriter, pacer: Pacer, now: () => number = () => performance.now()): () => void {
  const write = w.write.bind(w) as (chunk: Buffer, cb?: (err?: Error | null) => void) => boolean;
  const end = w.end.bind(w) as (cb?: () => void) => unknown;
  const queue: Slice[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  let ending: { cb: (() => void) | undefined } | undefined;
  let ended = false;
  let wantDrain = false;
  let cancelled = false;

  const pump = (): void => {
    timer = undefined;
    if (cancelled) return;
    const t = now();
    while (queue.length > 0 && queue[0]!.at <= t) {
      const s = queue.shift()!;
      queued -= s.buf.length;
      write(s.buf, s.cb);
    }
    if (wantDrain && queued < HIGH_WATER) {
      wantDrain = false;
      w.emit('drain');
    }
    if (queue.length > 0) {
      timer = setTimeout(pump, Math.max(0, queue[0]!.at - t));
    } else if (ending !== undefined && !ended) {
      ended = true;
      end(ending.cb);
    }
  };

  const enqueue = (buf: Buffer, cb: Slice['cb']): void => {
    const t = now();
    if (buf.length === 0) {
      queue.push({ buf, at: pacer.releaseAt(0, t), cb });
    } else {
      for (let off = 0; off < buf.length; off += pacer.maxSlice) {
        const part = buf.subarray(off, Math.min(buf.length, off + pacer.maxSlice));
        const last = off + pacer.maxSlice >= buf.length;
        queue.push({ buf: part, at: pacer.releaseAt(part.length, t), cb: last ? cb : undefined });
        queued += part.length;
      }
    }
    if (timer === undefined) pump();
  };

  w.write = (chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
    const callback = (typeof encoding === 'function' ? encoding : cb) as Slice['cb'];
    enqueue(toBuffer(chunk, encoding), callback);
    if (queued >= HIGH_WATER) {
      wantDrain = true;
      return false;
    }
    return true;
  };
  w.end = (chunk?: unknown, encoding?: unknown, cb?: unknown): unknown => {
    let callback: (() => void) | undefined;
    if (typeof chunk === 'function') callback = chunk as () => void;
    else if (typeof encoding === 'function') callback = encoding as () => void;
    else if (typeof cb === 'function') callback = cb as () => void;
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      enqueue(toBuffer(chunk, encoding), undefined);
    }
    ending = { cb: callback };
    if (timer === undefined) pump();
    return w;
  };
  const cancel = (): void => {
    cancelled = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    queue.length = 0;
    queued = 0;
  };
  w.once('close', cancel);
  return cancel;
}
