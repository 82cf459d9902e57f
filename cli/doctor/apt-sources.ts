/**
 * The Debian mirror this machine already uses, and the private apt state meshdev downloads
 * trixie/bullseye packages through. Pure: text in, text/arguments out.
 *
 * Why a private state: Compose v2 (trixie) and Consul (bullseye) are not in bookworm, and adding
 * other suites to the system's sources would let a later `apt-get upgrade` mix releases.
 */

export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';
export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/**
 * The main archive's URI from a deb822 `.sources` file or a one-line `sources.list`: the first
 * entry whose suites are not `*-security` (the security archive has no trixie/bullseye main).
 * Returns undefined when the text names no usable mirror.
 */
export function parseDebianMirror(text: string): string | undefined {
  for (const entry of parseEntries(text)) {
    if (entry.types.includes('deb') && entry.suites.some((s) => !s.endsWith('-security'))) {
      const uri = entry.uris.find((u) => /^https?:\/\//.test(u));
      if (uri !== undefined) return uri.replace(/\/+$/, '');
    }
  }
  return undefined;
}

interface SourceEntry {
  types: string[];
  uris: string[];
  suites: string[];
}

function parseEntries(text: string): SourceEntry[] {
  const entries: SourceEntry[] = [];
  // One-line style: `deb [options] URI suite component...`
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^(deb|deb-src)\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m) entries.push({ types: [m[1]!], uris: [m[2]!], suites: [m[3]!] });
  }
  // deb822 style: stanzas separated by blank lines, `Field: value` lines.
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const raw of stanza.split('\n')) {
      if (raw.trimStart().startsWith('#')) continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    if (fields.get('enabled')?.toLowerCase() === 'no') continue;
    const uris = fields.get('uris');
    if (uris === undefined) continue;
    const words = (key: string): string[] => (fields.get(key) ?? '').split(/\s+/).filter(Boolean);
    entries.push({ types: words('types'), uris: words('uris'), suites: words('suites') });
  }
  return entries;
}

/** The `sources.list` of the private state: one line per suite, main only, signed by Debian's keyring. */
export function privateSourcesList(mirror: string, suites: readonly string[]): string {
  return suites.map((suite) => `deb [signed-by=${DEBIAN_KEYRING}] ${mirror} ${suite} main\n`).join('');
}

/**
 * apt-get options that point apt at the private state only: its own sources.list, no
 * sources.list.d, its own package lists and cache (so the system's pkgcache is never rebuilt from
 * our lists). The system's dpkg status stays, which `apt-get download` does not modify.
 */
export function privateAptOptions(dir: string): string[] {
  return [
    '-o',
    `Dir::Etc::SourceList=${dir}/sources.list`,
    '-o',
    'Dir::Etc::SourceParts=-',
    '-o',
    `Dir::State::Lists=${dir}/lists`,
    '-o',
    `Dir::Cache=${dir}/cache`,
  ];
}

/** The shell form of the same, for the fix text `meshdev doctor` prints. */
export function privateAptShell(dir: string): string {
  const opts = privateAptOptions(dir);
  const parts: string[] = [];
  for (let i = 0; i < opts.length; i += 2) parts.push(`-o ${opts[i + 1]}`);
  return parts.join(' ');
}
