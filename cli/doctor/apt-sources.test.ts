import { describe, expect, it } from 'vitest';
import { parseDebianMirror, privateAptOptions, privateAptShell, privateSourcesList } from './apt-sources.js';

const DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`;

describe('parseDebianMirror', () => {
  it('reads the main archive from a deb822 .sources file', () => {
    expect(parseDebianMirror(DEB822)).toBe('http://deb.debian.org/debian');
  });

  it('skips the security archive even when it comes first, and trailing slashes', () => {
    const text = `Types: deb\nURIs: http://sec.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n`;
    expect(parseDebianMirror(text)).toBe('http://mirror.example/debian');
  });

  it('skips disabled stanzas and deb-src-only entries', () => {
    const text = `Enabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm\n\nTypes: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\nTypes: deb\nURIs: http://on.example/debian\nSuites: bookworm\n`;
    expect(parseDebianMirror(text)).toBe('http://on.example/debian');
  });

  it('reads one-line sources.list entries, with options and comments', () => {
    const text = `# deb http://commented.example/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://ftp.example.org/debian bookworm main contrib\n`;
    expect(parseDebianMirror(text)).toBe('http://ftp.example.org/debian');
  });

  it('returns undefined when no mirror is named', () => {
    expect(parseDebianMirror('')).toBeUndefined();
    expect(parseDebianMirror('Types: deb\nURIs: cdrom:/media\nSuites: bookworm\n')).toBeUndefined();
  });
});

describe('private apt state', () => {
  it('lists each suite, main only, signed by the Debian keyring', () => {
    expect(privateSourcesList('http://m/debian', ['trixie', 'bullseye'])).toBe(
      'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://m/debian trixie main\n' +
        'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://m/debian bullseye main\n',
    );
  });

  it('points apt at its own sources, lists and cache, and never at sources.list.d', () => {
    expect(privateAptOptions('/s')).toEqual([
      '-o',
      'Dir::Etc::SourceList=/s/sources.list',
      '-o',
      'Dir::Etc::SourceParts=-',
      '-o',
      'Dir::State::Lists=/s/lists',
      '-o',
      'Dir::Cache=/s/cache',
    ]);
    expect(privateAptShell('/s')).toBe(
      '-o Dir::Etc::SourceList=/s/sources.list -o Dir::Etc::SourceParts=- -o Dir::State::Lists=/s/lists -o Dir::Cache=/s/cache',
    );
  });
});
