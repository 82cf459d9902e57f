import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { decideDockerdAction } from './dockerd-start.js';
import type { DockerdAction } from './dockerd-start.js';
import { runCommand } from './exec.js';
import { findExecutable } from './which.js';

export const DOCKER_PID_FILE = '/var/run/docker.pid';
export const DOCKERD_LOG = '/var/log/meshdev-dockerd.log';
const START_TIMEOUT_MS = 60_000;

/** The engine's version when it answers, else the failed command's stderr. */
export async function probeEngine(): Promise<{ version: string } | { error: string; notFound: boolean }> {
  const r = await runCommand('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 20_000 });
  const version = r.stdout.trim();
  if (r.ok && version !== '') return { version };
  return {
    error: r.timedOut ? 'docker version timed out after 20 s' : r.stderr.trim() || r.stdout.trim(),
    notFound: r.notFound,
  };
}

async function commandOf(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export async function gatherDockerdAction(): Promise<DockerdAction> {
  const engineAnswers = 'version' in (await probeEngine());
  let pidFileContent: string | undefined;
  try {
    pidFileContent = await readFile(DOCKER_PID_FILE, 'utf8');
  } catch {
    pidFileContent = undefined;
  }
  const pid = pidFileContent === undefined ? undefined : Number(pidFileContent.trim());
  const pidCommand = pid !== undefined && Number.isInteger(pid) && pid > 0 ? await commandOf(pid) : undefined;
  return decideDockerdAction({
    engineAnswers,
    dockerdInstalled: (await findExecutable('dockerd')) !== undefined,
    pidFileContent,
    pidCommand,
  });
}

/**
 * Starts dockerd in the background (no systemd here), its output appended to DOCKERD_LOG, and
 * waits until `docker version` answers. The daemon outlives this process.
 */
export async function startDockerd(
  action: DockerdAction & { kind: 'start' | 'wait' },
  progress: (line: string) => void,
): Promise<string> {
  let exited: string | undefined;
  if (action.kind === 'start') {
    if (action.removeStalePidFile) {
      progress(`removing stale ${DOCKER_PID_FILE} (${action.reason})`);
      await rm(DOCKER_PID_FILE, { force: true });
    }
    const dockerd = (await findExecutable('dockerd')) ?? 'dockerd';
    // node's spawn, not execa: the daemon gets a raw descriptor of the log file (execa pipes
    // through this process, which would keep meshdev alive), is detached and unref'd, so it
    // outlives meshdev.
    const log = openSync(DOCKERD_LOG, 'a');
    try {
      const daemon = spawn(dockerd, [], { detached: true, stdio: ['ignore', log, log] });
      daemon.unref();
      daemon.on('error', (err) => {
        exited = `dockerd could not start: ${err.message}`;
      });
      daemon.on('exit', (code, signal) => {
        exited = `dockerd exited (${code === null ? String(signal) : `code ${code}`})`;
      });
      progress(`started ${dockerd} (pid ${daemon.pid ?? '?'}), log: ${DOCKERD_LOG}`);
    } finally {
      closeSync(log);
    }
  } else {
    progress(`waiting for ${action.reason}`);
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastProgress = Date.now();
  for (;;) {
    const probe = await probeEngine();
    if ('version' in probe) return probe.version;
    if (exited !== undefined || Date.now() > deadline) {
      const logTail = await readFile(DOCKERD_LOG, 'utf8')
        .then((t) => t.trim().split('\n').slice(-15).join('\n'))
        .catch(() => '(no log)');
      throw new Error(`${exited ?? 'dockerd did not answer within 60 s'}; last lines of ${DOCKERD_LOG}:\n${logTail}`);
    }
    if (Date.now() - lastProgress > 5_000) {
      progress('still waiting for the engine to answer...');
      lastProgress = Date.now();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
