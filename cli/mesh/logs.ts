import { PassThrough, Readable } from 'node:stream';
import type Docker from 'dockerode';
import { UsageError } from '../errors.js';
import { meshdevCommand } from '../invocation.js';
import type { ProjectContainer } from '../runtime/docker.js';
import { ensureDockerReachable, listProjectContainers } from '../runtime/docker.js';

/**
 * Container logs through dockerode, line by line: what `meshdev logs [-f]` prints and what the
 * UI's log pane shows. One function for both, so they cannot drift apart.
 */

/** An instance's app (or sidecar) container, or a component by its Compose name (consul, ingress...). */
export function findLogContainer(
  all: readonly ProjectContainer[],
  name: string,
  sidecar: boolean,
): ProjectContainer | undefined {
  const role = sidecar ? 'sidecar' : 'app';
  return all.find((c) => c.instance === name && c.role === role) ?? all.find((c) => c.composeService === name);
}

/**
 * The containers whose logs `meshdev logs [INSTANCE]` and the UI's log pane show: every container of
 * the project without a name, else the one named (see findLogContainer). A name without a container
 * is refused with the names there are, the same way for both.
 */
export async function logContainers(
  docker: Docker,
  project: string,
  name: string | undefined,
  sidecar: boolean,
): Promise<ProjectContainer[]> {
  await ensureDockerReachable(docker);
  const all = await listProjectContainers(docker, project);
  if (name === undefined) return all;
  const match = findLogContainer(all, name, sidecar);
  if (match !== undefined) return [match];
  const known = [...new Set(all.map((c) => c.instance ?? c.composeService))].join(', ');
  throw new UsageError(`no ${sidecar ? 'sidecar' : 'app'} container for "${name}" in project ${project}`, {
    fix:
      known === ''
        ? `The mesh is not running: \`${meshdevCommand('up')}\`.`
        : `Known: ${known}. Scaled-down instances have no container.`,
  });
}

export type LogStream = 'stdout' | 'stderr';

export interface LogFollow {
  /** Ends the stream early (following stops; `done` resolves). */
  stop(): void;
  /** Resolves when the log ends: at once without `follow`, when the container goes or `stop()` with it. */
  readonly done: Promise<void>;
}

/** Splits a byte stream into lines; a last line without a newline is delivered at the end. */
function lineSplitter(onLine: (line: string) => void): PassThrough {
  const stream = new PassThrough();
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    if (pending !== '') onLine(pending);
    pending = '';
  });
  return stream;
}

export async function streamContainerLogs(
  docker: Docker,
  containerId: string,
  options: { tail: number; follow: boolean; onLine: (line: string, stream: LogStream) => void },
): Promise<LogFollow> {
  const container = docker.getContainer(containerId);
  const base = { stdout: true, stderr: true, tail: options.tail, timestamps: false };
  const source: NodeJS.ReadableStream & { destroy?: () => void } = options.follow
    ? ((await container.logs({ ...base, follow: true })) as NodeJS.ReadableStream)
    : Readable.from([await container.logs({ ...base, follow: false })]);
  const out = lineSplitter((l) => options.onLine(l, 'stdout'));
  const err = lineSplitter((l) => options.onLine(l, 'stderr'));
  docker.modem.demuxStream(source, out, err);
  const done = new Promise<void>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      out.end();
      err.end();
      resolve();
    };
    source.on('end', finish);
    source.on('close', finish);
    source.on('error', finish);
  });
  return {
    stop: () => source.destroy?.(),
    done,
  };
}
