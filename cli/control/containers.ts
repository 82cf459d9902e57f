import type Docker from 'dockerode';
import { MeshdevError } from '../errors.js';
import type { ResolvedMesh } from '../mesh/model.js';
import type { FieldNaming } from './fields.js';
import { FieldError, ownNames } from './fields.js';
import { checkMs } from './fault-kinds.js';
import { resolveInstance } from './targets.js';
import { ensureDockerReachable, findInstanceContainer } from '../runtime/docker.js';
import { meshdevCommand } from '../invocation.js';

/** Container faults: what `meshdev kill|stop|start|restart|pause|unpause INSTANCE` does to one container. */
export const CONTAINER_ACTIONS = ['kill', 'stop', 'start', 'restart', 'pause', 'unpause'] as const;
export type ContainerAction = (typeof CONTAINER_ACTIONS)[number];

export const ACTION_DESCRIPTIONS: Record<ContainerAction, string> = {
  kill: 'SIGKILL the app container of INSTANCE (it crashes; nothing restarts it until `meshdev start`)',
  stop: 'stop the app container of INSTANCE gracefully (SIGTERM, then SIGKILL after --timeout)',
  start: 'start the stopped or killed container of INSTANCE again (a paused one is unpaused)',
  restart: 'restart the container of INSTANCE',
  pause: 'freeze the container of INSTANCE (its sockets stay open, nothing answers)',
  unpause: 'resume a paused container of INSTANCE',
};

const PAST: Record<ContainerAction, string> = {
  kill: 'killed',
  stop: 'stopped',
  start: 'started',
  restart: 'restarted',
  pause: 'paused',
  unpause: 'unpaused',
};

export interface ContainerActionResult {
  action: ContainerAction;
  instance: string;
  role: 'app' | 'sidecar';
  container: string;
  /** Container state after the action (running, exited, paused...). */
  state: string;
  /** When the engine confirmed the action. */
  at: string;
  /** The container was already in the wanted state (nothing done). */
  unchanged: boolean;
}

/** How long Docker waits after SIGTERM before SIGKILL when nobody says: Compose's own default. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;
export const STOP_TIMEOUT_BOUNDS = { min: 0, max: 600_000 } as const;

export interface ContainerActionOptions {
  /** The instance's sidecar container instead of its app. */
  readonly sidecar?: boolean;
  /** stop/restart: SIGTERM, then SIGKILL after this long; whole seconds (what the engine takes). */
  readonly stopTimeoutMs?: number;
  readonly now?: () => Date;
}

/** A stop timeout within bounds and in whole seconds; `naming` says how the front door calls it. */
export function checkStopTimeout(ms: number, naming: FieldNaming<'stopTimeoutMs'> = ownNames()): number {
  checkMs('stopTimeoutMs', ms, naming, STOP_TIMEOUT_BOUNDS);
  if (ms % 1000 !== 0) {
    const text = naming.text?.('stopTimeoutMs') ?? `${ms}ms`;
    throw new FieldError(
      'stopTimeoutMs',
      `${naming.name('stopTimeoutMs')}: "${text}" is not whole seconds (Docker waits whole seconds), e.g. 10s`,
    );
  }
  return ms;
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' ? s : undefined;
}

/**
 * One container action on an instance of the mesh as loaded (scale included). A container already
 * in the wanted state is reported (`unchanged`), not an error; `start` on a paused container
 * unpauses it (the engine would call it running and do nothing).
 */
export async function runContainerAction(
  docker: Docker,
  mesh: ResolvedMesh,
  instance: string,
  action: ContainerAction,
  opts: ContainerActionOptions = {},
): Promise<ContainerActionResult> {
  const id = resolveInstance(instance, mesh);
  const role = opts.sidecar ? 'sidecar' : 'app';
  const stopSeconds = checkStopTimeout(opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS) / 1000;
  await ensureDockerReachable(docker);
  const found = await findInstanceContainer(docker, mesh.project, id, role);
  if (found === undefined) {
    throw new MeshdevError('ENOCONTAINER', `no ${role} container for ${id} in project ${mesh.project}`, {
      fix: `Is the mesh up? \`${meshdevCommand('status')}\` lists its containers; \`${meshdevCommand('up')}\` starts it.`,
    });
  }
  const c = docker.getContainer(found.id);
  let unchanged = false;
  try {
    if (action === 'kill') await c.kill({ signal: 'SIGKILL' });
    else if (action === 'stop') await c.stop({ t: stopSeconds });
    else if (action === 'start' && found.state === 'paused') await c.unpause();
    else if (action === 'start') await c.start();
    else if (action === 'restart') await c.restart({ t: stopSeconds });
    else if (action === 'pause') await c.pause();
    else await c.unpause();
  } catch (err) {
    const status = statusOf(err);
    const message = err instanceof Error ? err.message.replace(/^\(HTTP code \d+\)\s*/, '') : String(err);
    // 304: already started/stopped. 409 "is not running"/"is already paused"/"is not paused": the
    // same idea for kill and pause; reported, not an error (the wanted state holds).
    if (status === 304) unchanged = true;
    else if (status === 409 && /already paused|is not paused|is not running/.test(message)) {
      if (action === 'kill' && /is paused/.test(message)) throw conflict(id, action, message);
      unchanged = true;
    } else if (status === 409) throw conflict(id, action, message);
    else throw new MeshdevError('EDOCKER', `${action} ${found.name}: ${message}`, { cause: err });
  }
  const info = await c.inspect();
  return {
    action,
    instance: id,
    role,
    container: found.name,
    state: info.State.Status,
    at: (opts.now ?? (() => new Date()))().toISOString(),
    unchanged,
  };
}

function conflict(id: string, action: ContainerAction, message: string): MeshdevError {
  return new MeshdevError('ECONFLICT', `cannot ${action} ${id}: ${message}`, {
    fix: /paused/.test(message) ? `\`${meshdevCommand(`unpause ${id}`)}\` first.` : undefined,
  });
}

export function describeContainerResult(r: ContainerActionResult): string {
  const what = `${r.instance}${r.role === 'sidecar' ? ' (sidecar)' : ''}`;
  if (r.unchanged) return `${r.at} ${what} was already ${r.state} (container ${r.container}); nothing to do`;
  return `${r.at} ${PAST[r.action]} ${what} (container ${r.container}); state now: ${r.state}`;
}
