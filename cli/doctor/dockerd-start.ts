/**
 * What to do when no Docker engine answers. Pure: the caller gathers the facts (does the engine
 * answer, what the pid file says, what runs under that pid) and performs the action.
 *
 * Why this exists: machines here have no systemd, and every process is killed when work stops, so
 * the next `dockerd` finds a stale /var/run/docker.pid and refuses to start ("pid file found").
 */

export interface DockerdFacts {
  readonly engineAnswers: boolean;
  readonly dockerdInstalled: boolean;
  /** Raw content of the pid file, or undefined when there is none. */
  readonly pidFileContent: string | undefined;
  /** The command name (/proc/PID/comm) of the process with that pid, or undefined when none is alive. */
  readonly pidCommand: string | undefined;
}

export type DockerdAction =
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'install'; readonly reason: string }
  | { readonly kind: 'wait'; readonly pid: number; readonly reason: string }
  | { readonly kind: 'start'; readonly removeStalePidFile: boolean; readonly reason: string };

export function parsePid(content: string | undefined): number | undefined {
  if (content === undefined) return undefined;
  const t = content.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const pid = Number(t);
  return pid > 0 ? pid : undefined;
}

export function decideDockerdAction(facts: DockerdFacts): DockerdAction {
  if (facts.engineAnswers) return { kind: 'none', reason: 'the engine answers' };
  if (!facts.dockerdInstalled) return { kind: 'install', reason: 'dockerd is not installed' };
  if (facts.pidFileContent === undefined)
    return { kind: 'start', removeStalePidFile: false, reason: 'no dockerd runs' };
  const pid = parsePid(facts.pidFileContent);
  if (pid === undefined) {
    return { kind: 'start', removeStalePidFile: true, reason: 'the pid file is unreadable' };
  }
  if (facts.pidCommand === 'dockerd') {
    // A dockerd is alive but not answering yet (starting, or busy): starting a second one would fail.
    return { kind: 'wait', pid, reason: `dockerd (pid ${pid}) is running but not answering yet` };
  }
  const who = facts.pidCommand === undefined ? 'no process' : `an unrelated process (${facts.pidCommand})`;
  return { kind: 'start', removeStalePidFile: true, reason: `stale pid file: pid ${pid} is ${who}` };
}
