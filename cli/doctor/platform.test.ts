import { describe, expect, it } from 'vitest';
import { fixEligibility, isDebianLike } from './platform.js';

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n';
const UBUNTU = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\n';
const FEDORA = 'PRETTY_NAME="Fedora Linux 40"\nID=fedora\n';

describe('fixEligibility', () => {
  it('allows root on Debian and Ubuntu', () => {
    expect(fixEligibility({ uid: 0, osRelease: DEBIAN, hasAptGet: true })).toEqual({ ok: true });
    expect(fixEligibility({ uid: 0, osRelease: UBUNTU, hasAptGet: true })).toEqual({ ok: true });
  });

  it('asks a non-root user to use sudo, in a form they can paste', () => {
    const r = fixEligibility({ uid: 1000, osRelease: DEBIAN, hasAptGet: true }, false);
    expect(r).toMatchObject({ ok: false, fix: 'Run it with sudo: `sudo npx meshdev doctor --fix`.' });
    const onPath = fixEligibility({ uid: 1000, osRelease: DEBIAN, hasAptGet: true }, true);
    expect(onPath).toMatchObject({ ok: false, fix: 'Run it with sudo: `sudo meshdev doctor --fix`.' });
  });

  it('refuses other systems and names them', () => {
    const r = fixEligibility({ uid: 0, osRelease: FEDORA, hasAptGet: false });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('Fedora Linux 40');
    expect(fixEligibility({ uid: 0, osRelease: undefined, hasAptGet: true }).ok).toBe(false);
  });

  it('recognises Debian derivatives through ID_LIKE', () => {
    expect(isDebianLike('ID=linuxmint\nID_LIKE="ubuntu debian"\n')).toBe(true);
    expect(isDebianLike(FEDORA)).toBe(false);
  });
});
