import { execa } from 'execa';
import { MeshdevError } from '../errors.js';
import { meshdevCommand, meshdevRootCommand } from '../invocation.js';

/** Runs the Compose v2 CLI for up/down; each output line goes to `onLine` as progress. */
export interface ComposeRun {
  readonly project: string;
  readonly file: string;
  readonly onLine?: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Called once Compose runs, with its pid (recorded so a `down` can stop an orphaned run). */
  readonly onSpawn?: (pid: number) => void;
}

const COMPOSE_FIX = `Install Compose v2: \`${meshdevRootCommand('doctor --fix')}\` (see \`${meshdevCommand('doctor')}\`).`;

export async function composeVersion(): Promise<string | undefined> {
  try {
    const r = await execa('docker', ['compose', 'version', '--short'], { timeout: 10_000 });
    return r.stdout.trim();
  } catch {
    return undefined;
  }
}

export async function ensureComposeV2(): Promise<void> {
  const v = await composeVersion();
  if (v === undefined || !/^v?2\./.test(v)) {
    throw new MeshdevError('ECOMPOSE', `Docker Compose v2 is not available${v ? ` (found ${v})` : ''}.`, {
      fix: COMPOSE_FIX,
    });
  }
}

export async function runCompose(run: ComposeRun, args: readonly string[]): Promise<string> {
  const sub = execa('docker', ['compose', '--progress', 'plain', '-p', run.project, '-f', run.file, ...args], {
    all: true,
    reject: false,
    buffer: true,
    stdin: 'ignore',
    env: { COMPOSE_STATUS_STDOUT: '1', COMPOSE_ANSI: 'never', COMPOSE_PROGRESS: 'plain' },
    ...(run.signal === undefined ? {} : { cancelSignal: run.signal }),
  });
  if (run.onSpawn !== undefined && sub.pid !== undefined) run.onSpawn(sub.pid);
  if (run.onLine !== undefined && sub.all !== undefined) {
    const onLine = run.onLine;
    let pending = '';
    sub.all.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onLine(line);
    });
  }
  const result = await sub;
  if (result.isCanceled) throw new MeshdevError('EINTERRUPTED', 'interrupted', { exitCode: 130 });
  if (result.exitCode !== 0) {
    const output = String(result.all ?? '').trim();
    throw new MeshdevError(
      'ECOMPOSEFAILED',
      `docker compose ${args[0] ?? ''} failed (exit ${result.exitCode}):\n${output}`,
      {
        fix: explainComposeFailure(output),
      },
    );
  }
  return String(result.all ?? '');
}

/** Turns the Compose/engine messages users actually hit into the fix. */
export function explainComposeFailure(output: string): string | undefined {
  const port = /(?:0\.0\.0\.0|127\.0\.0\.1):(\d+).*(?:address already in use|port is already allocated)/i.exec(output);
  if (port) return `Host port ${port[1]} is in use; stop what uses it or change \`ports:\` in mesh.yaml.`;
  if (/Cannot connect to the Docker daemon|docker daemon is not running/i.test(output)) {
    return `The Docker engine is not running: \`${meshdevRootCommand('doctor --fix')}\` starts it.`;
  }
  if (/pull access denied|manifest unknown|failed to resolve reference|no such host/i.test(output)) {
    return `An image could not be pulled: run \`${meshdevCommand('images --airgap')}\` to build local images, then \`${meshdevCommand('up')}\` again.`;
  }
  if (/is unhealthy/i.test(output)) {
    return `A container failed its health check: \`${meshdevCommand('logs INSTANCE')}\` shows why.`;
  }
  return undefined;
}
