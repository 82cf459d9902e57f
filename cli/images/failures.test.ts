import { describe, expect, it } from 'vitest';
import { classifyImageFailure, fixForImageFailure, imageStepError } from './failures.js';

const context = { mirror: 'http://deb.debian.org/debian', cli: 'npx meshdev' };

describe('image step failures', () => {
  it('tells a full disk, an unreachable mirror and an interruption from the step output', () => {
    expect(classifyImageFailure('tar: ./usr/lib/x: Cannot write: No space left on device')).toBe('disk-full');
    expect(classifyImageFailure('write /var/lib/docker/tmp/x: no space left on device')).toBe('disk-full');
    expect(classifyImageFailure('E: Failed getting release file http://x/debian/dists/trixie/Release')).toBe(
      'mirror-unreachable',
    );
    expect(
      classifyImageFailure("E: Failed to fetch http://x/debian/dists/bullseye/InRelease  Could not resolve 'x'"),
    ).toBe('mirror-unreachable');
    expect(classifyImageFailure('interrupted (building meshdev/consul:1.8.7: interrupted)')).toBe('interrupted');
    expect(classifyImageFailure('exit 1 while configuring packages')).toBe('other');
  });

  it('gives each a fix the user can paste', () => {
    expect(fixForImageFailure('disk-full', context)).toMatch(
      /df -h \/var\/tmp \/var\/lib\/docker.*docker system prune.*`npx meshdev up` again/,
    );
    expect(fixForImageFailure('mirror-unreachable', context)).toContain(
      '`curl -sI http://deb.debian.org/debian/dists/trixie/InRelease`',
    );
    expect(fixForImageFailure('interrupted', context)).toMatch(/^Run `npx meshdev up` again/);
    expect(fixForImageFailure('other', context)).toContain('`npx meshdev images --airgap`');
  });

  it('names the image, the step, the command and the cause', () => {
    const err = imageStepError(
      {
        image: 'meshdev/debian:trixie',
        step: 'import',
        command: 'tar -C /var/tmp/r -c . | docker import - meshdev/debian:trixie',
      },
      'docker import failed (exit 1): write /var/lib/docker/tmp/x: no space left on device',
      context,
    );
    expect(err.code).toBe('EIMAGE');
    expect(err.message).toBe(
      [
        'meshdev/debian:trixie: the import step failed.',
        '  command: tar -C /var/tmp/r -c . | docker import - meshdev/debian:trixie',
        '  cause: docker import failed (exit 1): write /var/lib/docker/tmp/x: no space left on device',
      ].join('\n'),
    );
    expect(err.fix).toMatch(/^Free disk space/);
    const interrupted = imageStepError({ image: 'x', step: 'build', command: 'docker build' }, 'interrupted', context);
    expect(interrupted.exitCode).toBe(130);
  });
});
