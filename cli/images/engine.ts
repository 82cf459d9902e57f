import type Docker from 'dockerode';
import { applyPullEvent, asStreamEvent, buildLines, eventError, splitJsonLines, summarizePull } from './progress.js';
import type { PullState, StreamEvent } from './progress.js';
import { RECIPE_LABEL } from './refs.js';

/** The engine side of images, through dockerode: inspect, pull and build with streamed progress. */

export interface LocalImage {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
}

export async function inspectImage(docker: Docker, ref: string): Promise<LocalImage | undefined> {
  try {
    const info = await docker.getImage(ref).inspect();
    return { id: info.Id, labels: info.Config?.Labels ?? {} };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/**
 * Reads a JSON progress stream to its end, handing each event to `onEvent`; rejects on an error
 * event, or when no event arrives for `stallMs` (a registry that accepts the connection but
 * never answers must not hang `up`).
 */
function consumeStream(
  stream: NodeJS.ReadableStream,
  onEvent: (e: StreamEvent) => void,
  stallMs: number,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let rest = '';
    let failed: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const destroy = (): void => (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    const arm = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        destroy();
        reject(new Error(`${what}: no progress for ${Math.round(stallMs / 1000)} s`));
      }, stallMs);
    };
    arm();
    // Closing the connection makes the engine cancel the build: nothing gets the tag.
    const onAbort = (): void => {
      clearTimeout(timer);
      destroy();
      reject(new Error(`${what}: interrupted`));
    };
    if (signal?.aborted === true) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('close', () => signal?.removeEventListener('abort', onAbort));
    stream.on('data', (chunk: Buffer | string) => {
      arm();
      const split = splitJsonLines(rest, chunk.toString());
      rest = split.rest;
      for (const raw of split.events) {
        const e = asStreamEvent(raw);
        const error = eventError(e);
        if (error !== undefined) failed ??= error;
        else onEvent(e);
      }
    });
    stream.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
    stream.on('end', () => {
      clearTimeout(timer);
      if (failed !== undefined) reject(new Error(failed));
      else resolve();
    });
  });
}

/** Throttles progress lines to one per interval (the last one wins), plus every forced line. */
export function throttled(onLine: (line: string) => void, intervalMs: number): (line: string, force?: boolean) => void {
  let last = 0;
  return (line, force = false) => {
    const now = Date.now();
    if (force || now - last >= intervalMs) {
      last = now;
      onLine(line);
    }
  };
}

export interface PullOptions {
  readonly onProgress: (line: string) => void;
  /** Give up when the engine reports nothing for this long (default 30 s). */
  readonly stallMs?: number;
  /** Give up when the pull has not started (first answer from the engine) within this (default 20 s). */
  readonly connectMs?: number;
}

export async function pullImage(docker: Docker, ref: string, options: PullOptions): Promise<void> {
  const connectMs = options.connectMs ?? 20_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), connectMs);
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(ref, { abortSignal: controller.signal })) as NodeJS.ReadableStream;
  } catch (err) {
    if (controller.signal.aborted)
      throw new Error(`the engine did not start pulling ${ref} within ${connectMs / 1000} s`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  let state: PullState = new Map();
  const report = throttled(options.onProgress, 1_000);
  await consumeStream(
    stream,
    (e) => {
      state = applyPullEvent(state, e);
      if (state.size > 0) report(`pulling ${ref}: ${summarizePull(state)}`);
    },
    options.stallMs ?? 30_000,
    `pulling ${ref}`,
  );
  options.onProgress(`pulled ${ref} (${summarizePull(state)})`);
}

export interface BuildSpec {
  /** Directory sent as the build context... */
  readonly context: string;
  /** ...restricted to these paths inside it (small contexts, nothing unexpected sent). */
  readonly src: readonly string[];
  /** Path of the Dockerfile inside the context. */
  readonly dockerfile: string;
  readonly tag: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Builds with the engine's builder, streaming every `Step n/m` line and, between steps, at most
 * one line of the build's own output every 2 s: progress without a flood. On failure the error
 * carries the last lines of output.
 */
export async function buildImage(
  docker: Docker,
  spec: BuildSpec,
  onProgress: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const stream = (await docker.buildImage(
    { context: spec.context, src: [...spec.src] },
    {
      t: spec.tag,
      dockerfile: spec.dockerfile,
      buildargs: { ...spec.buildArgs },
      labels: { ...spec.labels },
      rm: true,
      forcerm: true,
    },
  )) as NodeJS.ReadableStream;
  const recent: string[] = [];
  const output = throttled(onProgress, 2_000);
  try {
    await consumeStream(
      stream,
      (e) => {
        for (const line of buildLines(e)) {
          recent.push(line.text);
          if (recent.length > 20) recent.shift();
          if (line.kind === 'step') output(`${spec.tag}: ${line.text}`, true);
          else output(`${spec.tag}:   ${line.text}`);
        }
      },
      // apt downloads inside a step can be silent for a while; a stalled build is still bounded.
      5 * 60_000,
      `building ${spec.tag}`,
      signal,
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error([message, ...recent.slice(-8).map((l) => `| ${l}`)].join('\n'));
  }
}

/** Label on the stages a multi-stage build throws away (see the Dockerfiles under compose/images). */
export const BUILD_STAGE_LABEL = 'dev.meshdev.build-stage';

/**
 * Removes untagged images meshdev's builds left: fetch stages (labelled in their Dockerfile) and
 * images whose tag moved to a rebuild (they carry the recipe label). Never another tool's images.
 */
export async function pruneBuildLeftovers(docker: Docker): Promise<void> {
  for (const label of [BUILD_STAGE_LABEL, RECIPE_LABEL]) {
    await docker
      .pruneImages({ filters: JSON.stringify({ dangling: ['true'], label: [label] }) })
      .catch(() => undefined);
  }
}
