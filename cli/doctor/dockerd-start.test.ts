import { describe, expect, it } from 'vitest';
import { decideDockerdAction, parsePid } from './dockerd-start.js';

const base = { engineAnswers: false, dockerdInstalled: true, pidFileContent: undefined, pidCommand: undefined };

describe('decideDockerdAction', () => {
  it('does nothing when the engine answers, whatever the pid file says', () => {
    expect(decideDockerdAction({ ...base, engineAnswers: true, pidFileContent: '42\n' }).kind).toBe('none');
  });

  it('installs first when dockerd is missing', () => {
    expect(decideDockerdAction({ ...base, dockerdInstalled: false }).kind).toBe('install');
  });

  it('starts without touching anything when there is no pid file', () => {
    expect(decideDockerdAction(base)).toMatchObject({ kind: 'start', removeStalePidFile: false });
  });

  it('removes a pid file whose process is dead (the CI case), then starts', () => {
    const action = decideDockerdAction({ ...base, pidFileContent: '3332\n', pidCommand: undefined });
    expect(action).toMatchObject({ kind: 'start', removeStalePidFile: true });
    expect(action.reason).toContain('3332');
  });

  it('treats a pid reused by another program as stale', () => {
    expect(decideDockerdAction({ ...base, pidFileContent: '77', pidCommand: 'bash' })).toMatchObject({
      kind: 'start',
      removeStalePidFile: true,
    });
  });

  it('waits for a live dockerd that does not answer yet instead of starting a second one', () => {
    expect(decideDockerdAction({ ...base, pidFileContent: '77', pidCommand: 'dockerd' })).toMatchObject({
      kind: 'wait',
      pid: 77,
    });
  });

  it('replaces an unreadable pid file', () => {
    expect(decideDockerdAction({ ...base, pidFileContent: 'garbage' })).toMatchObject({
      kind: 'start',
      removeStalePidFile: true,
    });
  });
});

describe('parsePid', () => {
  it('accepts positive integers only', () => {
    expect(parsePid(' 123\n')).toBe(123);
    expect(parsePid('0')).toBeUndefined();
    expect(parsePid('-5')).toBeUndefined();
    expect(parsePid('12a')).toBeUndefined();
    expect(parsePid(undefined)).toBeUndefined();
  });
});
