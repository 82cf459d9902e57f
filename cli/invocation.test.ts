import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath, invocationFor, meshdevCommand, meshdevRootCommand } from './invocation.js';

describe('invocationFor', () => {
  it('uses npx when meshdev is not on PATH (after `npm ci` in a clone), with sudo for root-only fixes', () => {
    const inv = invocationFor({ meshdevOnPath: false, uid: 1000 });
    expect(inv).toEqual({ cli: 'npx meshdev', rootCli: 'sudo npx meshdev' });
    expect(meshdevCommand('doctor', inv)).toBe('npx meshdev doctor');
    expect(meshdevRootCommand('doctor --fix', inv)).toBe('sudo npx meshdev doctor --fix');
  });

  it('uses the bare name when meshdev is on PATH', () => {
    expect(invocationFor({ meshdevOnPath: true, uid: 1000 })).toEqual({ cli: 'meshdev', rootCli: 'sudo meshdev' });
  });

  it('leaves sudo out for root, and where there are no uids', () => {
    expect(invocationFor({ meshdevOnPath: false, uid: 0 }).rootCli).toBe('npx meshdev');
    expect(invocationFor({ meshdevOnPath: true, uid: undefined }).rootCli).toBe('meshdev');
  });
});

describe('findOnPath', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshdev-path-'));
    for (const sub of ['bin', 'node_modules/.bin', 'empty']) await mkdir(join(dir, sub), { recursive: true });
    for (const sub of ['bin', 'node_modules/.bin']) {
      await writeFile(join(dir, sub, 'meshdev'), '#!/bin/sh\n');
      await chmod(join(dir, sub, 'meshdev'), 0o755);
    }
    await writeFile(join(dir, 'empty', 'meshdev'), 'not executable');
    await chmod(join(dir, 'empty', 'meshdev'), 0o644);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds an executable in a PATH directory', () => {
    const path = [join(dir, 'empty'), join(dir, 'bin')].join(delimiter);
    expect(findOnPath('meshdev', path)).toBe(join(dir, 'bin', 'meshdev'));
  });

  it("skips node_modules/.bin, which npx puts on PATH but the user's shell does not have", () => {
    expect(findOnPath('meshdev', join(dir, 'node_modules', '.bin'))).toBeUndefined();
  });

  it('finds nothing in an empty PATH or where the file is not executable', () => {
    expect(findOnPath('meshdev', '')).toBeUndefined();
    // No execute bit at all: access(X_OK) fails even for root.
    expect(findOnPath('meshdev', join(dir, 'empty'))).toBeUndefined();
  });

  it('asks only the injected probe, in PATH order', () => {
    const asked: string[] = [];
    const found = findOnPath(
      'meshdev',
      ['/a', '/b', '/c'].join(delimiter),
      (f) => (asked.push(f), f.startsWith('/b')),
      [''],
    );
    expect(found).toBe(join('/b', 'meshdev'));
    expect(asked).toEqual([join('/a', 'meshdev'), join('/b', 'meshdev')]);
  });
});
