/**
 * Whether the Node.js that runs meshdev still gets security fixes. Pure: the caller passes the
 * version, the date and the host, so the dates are pinned down by unit tests with a fixed clock.
 * meshdev itself still runs on any Node >= 20.19; a line past its end of life is a warning only.
 */

export interface NodeLine {
  readonly major: number;
  /** First day as LTS (YYYY-MM-DD); absent for odd lines, which never become LTS. */
  readonly ltsFrom?: string;
  /** Last day with fixes (YYYY-MM-DD, https://github.com/nodejs/Release). */
  readonly endOfLife: string;
}

/** Release lines and their end of life. Add a line when Node.js publishes its schedule. */
export const NODE_LINES: readonly NodeLine[] = [
  { major: 18, ltsFrom: '2022-10-25', endOfLife: '2025-04-30' },
  { major: 19, endOfLife: '2023-06-01' },
  { major: 20, ltsFrom: '2023-10-24', endOfLife: '2026-04-30' },
  { major: 21, endOfLife: '2024-06-01' },
  { major: 22, ltsFrom: '2024-10-29', endOfLife: '2027-04-30' },
  { major: 23, endOfLife: '2025-06-01' },
  { major: 24, ltsFrom: '2025-10-28', endOfLife: '2028-04-30' },
  { major: 25, endOfLife: '2026-06-01' },
  { major: 26, ltsFrom: '2026-10-28', endOfLife: '2029-04-30' },
];

export type NodeSupport =
  | { readonly status: 'ok'; readonly detail: string }
  /** Past end of life: `fix` says what to install instead. */
  | { readonly status: 'warn'; readonly detail: string; readonly fix: string }
  /** A line newer than NODE_LINES (or a version that does not parse): not judged. */
  | { readonly status: 'unknown'; readonly detail: string };

export interface NodeHost {
  /** process.platform and process.arch: which npm package carries a matching Node binary. */
  readonly platform: string;
  readonly arch: string;
}

/** The day of `now` as YYYY-MM-DD (UTC), comparable as a string with the table's dates. */
function dayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The LTS lines that have fixes on `day`, newest last. */
export function supportedLtsLines(day: string, lines: readonly NodeLine[] = NODE_LINES): number[] {
  return lines
    .filter((l) => l.ltsFrom !== undefined && l.ltsFrom <= day && day <= l.endOfLife)
    .map((l) => l.major)
    .sort((a, b) => a - b);
}

function upgradeFix(day: string, host: NodeHost, lines: readonly NodeLine[]): string {
  // The two newest LTS lines: the maintenance one is the safe pick, the active one lasts longest.
  const suggested = supportedLtsLines(day, lines).slice(-2);
  const which =
    suggested.length === 0
      ? 'a current LTS line of Node.js'
      : `a supported LTS line of Node.js, e.g. ${suggested.join(' or ')}`;
  const fix = [`Install ${which} (https://nodejs.org, nvm, or your distribution's packages).`];
  if (host.platform === 'linux' && (host.arch === 'x64' || host.arch === 'arm64') && suggested[0] !== undefined) {
    fix.push(
      `Without root, the npm registry has Node binaries: npm install --prefix DIR node-linux-${host.arch}@${suggested[0]}`,
      '(then put DIR/node_modules/.bin first on PATH)',
    );
  }
  return fix.join('\n');
}

/**
 * `version` is process.version (`v20.19.0`); `now` decides which lines are past their end of life.
 * A line before the table's first is past its end of life; one after its last is `unknown`.
 */
export function nodeSupport(
  version: string,
  now: Date,
  host: NodeHost,
  lines: readonly NodeLine[] = NODE_LINES,
): NodeSupport {
  const m = /^v?(\d+)\.\d+\.\d+/.exec(version.trim());
  if (!m) return { status: 'unknown', detail: `node ${version}: not a version meshdev can read` };
  const major = Number(m[1]);
  const day = dayOf(now);
  const line = lines.find((l) => l.major === major);
  if (line === undefined) {
    const newest = Math.max(...lines.map((l) => l.major));
    if (major > newest) return { status: 'unknown', detail: `node ${version} (a line newer than meshdev knows)` };
    return {
      status: 'warn',
      detail: `node ${version}: past end of life (older than every line meshdev knows)`,
      fix: upgradeFix(day, host, lines),
    };
  }
  if (day > line.endOfLife) {
    return {
      status: 'warn',
      detail: `node ${version}: past end of life since ${line.endOfLife}, no more security fixes`,
      fix: upgradeFix(day, host, lines),
    };
  }
  const kind = line.ltsFrom === undefined ? 'not LTS' : line.ltsFrom <= day ? 'LTS' : 'not LTS yet';
  return { status: 'ok', detail: `node ${version} (${kind}, supported until ${line.endOfLife})` };
}
