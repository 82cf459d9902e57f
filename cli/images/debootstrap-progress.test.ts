import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  describeDebootstrap,
  formatMessage,
  INITIAL_DEBOOTSTRAP_READER,
  readDebootstrapLine,
} from './debootstrap-progress.js';
import type { DebootstrapReader } from './debootstrap-progress.js';

/** What `debootstrap --debian-installer --variant=minbase trixie` wrote on fd 3 on these machines. */
const RECORDED = readFileSync(new URL('./fixtures/debootstrap-trixie-minbase.fd3.txt', import.meta.url), 'utf8').split(
  '\n',
);

const feed = (lines: readonly string[], from: DebootstrapReader = INITIAL_DEBOOTSTRAP_READER): DebootstrapReader =>
  lines.reduce(readDebootstrapLine, from);

describe('debootstrap progress', () => {
  it('reads a real run as a few phases with packages done of total, always moving forward', () => {
    let reader = INITIAL_DEBOOTSTRAP_READER;
    const phases: string[] = [];
    const seen: string[] = [];
    let ratio = 0;
    for (const line of RECORDED) {
      reader = readDebootstrapLine(reader, line);
      const p = reader.progress;
      expect(p.ratio).toBeGreaterThanOrEqual(ratio);
      ratio = p.ratio;
      if (phases[phases.length - 1] !== p.phase) phases.push(p.phase);
      seen.push(describeDebootstrap(p));
    }
    expect(phases).toEqual([
      'downloading the package lists',
      'resolving packages',
      'downloading packages',
      'extracting packages',
      'installing the core packages',
      'unpacking packages',
      'configuring packages',
      'done',
    ]);
    expect(reader.progress.ratio).toBe(1);
    expect(reader.progress.problems).toEqual([]);
    // Packages counted as they are retrieved, against the total debootstrap resolved.
    expect(seen).toContain('downloading packages 40/78, 32.8 MB (24%)');
    expect(seen.some((s) => /^extracting packages 39\/78 \(\d+%\)$/.test(s))).toBe(true);
    expect(seen.some((s) => /^unpacking packages 78\/78 \(\d+%\)$/.test(s))).toBe(true);
    expect(seen.some((s) => /^configuring packages 78\/78 \(\d+%\)$/.test(s))).toBe(true);
  });

  it('keeps the errors and warnings it reports, formatted', () => {
    const reader = feed([
      'P: 0 100 DOWNREL',
      'PF: Downloading Release file',
      'E: NOGETREL',
      'EA: http://mirror.invalid/debian',
      'EA: trixie',
      'EF: Failed getting release file %s/dists/%s/Release',
      'W: RETRYING',
      'WA: http://mirror.invalid/debian/pool/x.deb',
      'WF: Retrying failed download of %s',
    ]);
    expect(reader.progress.problems).toEqual([
      'E: Failed getting release file http://mirror.invalid/debian/dists/trixie/Release',
      'W: Retrying failed download of http://mirror.invalid/debian/pool/x.deb',
    ]);
  });

  it('ignores what it does not know, and wget progress that goes back and forth', () => {
    const before = feed(['P: 0 4 SIZEDEBS', 'P: 4 4 SIZEDEBS', 'P: 0 1000 DOWNDEBS', 'PF: Downloading packages']);
    const reader = feed(['P: 900 1000', 'P: 100 1000', 'garbage', 'P: x y DOWNDEBS', 'Q: 1'], before);
    expect(reader.progress).toEqual(before.progress);
    expect(describeDebootstrap(reader.progress)).toBe('downloading packages 0/4, 0.0 MB (5%)');
  });
});

describe('formatMessage', () => {
  it('fills %s in order and keeps %%', () => {
    expect(formatMessage('Retrieving %s %s', ['tar', '1.35'])).toBe('Retrieving tar 1.35');
    expect(formatMessage('%s%% done', ['50'])).toBe('50% done');
    expect(formatMessage('Missing %s', [])).toBe('Missing');
  });
});
