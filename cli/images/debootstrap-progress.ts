/**
 * debootstrap's progress, read from its machine-readable protocol (`--debian-installer`: on file
 * descriptor 3, `P: now end NAME` / `PA:` / `PF:` for progress and `I:`/`W:`/`E:` with `IA:`/`IF:`
 * for messages) instead of its ~170 human lines. Pure: lines in, one summary out.
 *
 * Written by hand because no library reads this protocol (debian-installer's cdebconf is C);
 * it is four prefixes.
 */

/** A message: `I: RETRIEVING` / `IA: tar` / `IA: 1.35` / `IF: Retrieving %s %s` -> info RETRIEVING. */
export interface DebootstrapMessage {
  readonly level: 'info' | 'warning' | 'error';
  readonly name: string;
  readonly text: string;
}

/** What debootstrap is doing, as a user reads it. */
export interface DebootstrapProgress {
  /** `downloading packages`, `unpacking packages`... */
  readonly phase: string;
  /** Packages done and their total, once debootstrap knows it. */
  readonly packages: { readonly done: number; readonly total: number } | undefined;
  /** How much there is to download, while downloading packages. */
  readonly downloadBytes: number | undefined;
  /** The whole run, 0..1 (phases weighed by how long they take here: see PHASES). */
  readonly ratio: number;
  /** Errors and warnings debootstrap reported, formatted; the last few are kept. */
  readonly problems: readonly string[];
}

export const INITIAL_DEBOOTSTRAP_PROGRESS: DebootstrapProgress = {
  phase: 'starting',
  packages: undefined,
  downloadBytes: undefined,
  ratio: 0,
  problems: [],
};

/**
 * Each progress name of debootstrap, the phase it belongs to and that phase's share of the run
 * (from [start, end) of 0..1). The shares are what a trixie minbase took on these machines
 * (28 s: lists 1 s, downloads 11 s, extraction 4 s, unpacking 10 s, configuration 2 s).
 */
const PHASES: Readonly<Record<string, { readonly phase: string; readonly from: number; readonly to: number }>> = {
  DOWNREL: { phase: 'downloading the package lists', from: 0, to: 0.01 },
  DOWNRELSIG: { phase: 'downloading the package lists', from: 0.01, to: 0.02 },
  DOWNPKGS: { phase: 'downloading the package lists', from: 0.02, to: 0.04 },
  DOWNMAINPKGS: { phase: 'downloading the package lists', from: 0.02, to: 0.04 },
  SIZEDEBS: { phase: 'resolving packages', from: 0.04, to: 0.05 },
  DOWNDEBS: { phase: 'downloading packages', from: 0.05, to: 0.43 },
  EXTRACTPKGS: { phase: 'extracting packages', from: 0.43, to: 0.57 },
  INSTCORE: { phase: 'installing the core packages', from: 0.57, to: 0.6 },
  UNPACKREQ: { phase: 'unpacking packages', from: 0.6, to: 0.9 },
  CONFREQ: { phase: 'configuring packages', from: 0.9, to: 0.98 },
  UNPACKBASE: { phase: 'unpacking packages', from: 0.9, to: 0.98 },
  CONFBASE: { phase: 'configuring packages', from: 0.98, to: 1 },
};

/** Phases whose `now/end` count packages (the others count bytes or percent). */
const COUNTS_PACKAGES = new Set(['SIZEDEBS', 'EXTRACTPKGS', 'UNPACKREQ', 'CONFREQ']);

/** The reader's state between lines: the message being assembled and the progress so far. */
export interface DebootstrapReader {
  readonly progress: DebootstrapProgress;
  /** The progress name in force. */
  readonly current: string | undefined;
  /** Packages retrieved so far, while downloading. */
  readonly retrieved: number;
  readonly pending:
    { readonly kind: 'P' | 'I' | 'W' | 'E'; readonly name: string; readonly args: string[] } | undefined;
}

export const INITIAL_DEBOOTSTRAP_READER: DebootstrapReader = {
  progress: INITIAL_DEBOOTSTRAP_PROGRESS,
  current: undefined,
  retrieved: 0,
  pending: undefined,
};

/** debootstrap's printf formats use only %s (and %%). */
export function formatMessage(format: string, args: readonly string[]): string {
  let i = 0;
  return format.replace(/%[s%]/g, (m) => (m === '%%' ? '%' : (args[i++] ?? ''))).trim();
}

const LEVEL = { I: 'info', W: 'warning', E: 'error' } as const;

/** Folds one line of the protocol into the reader. */
export function readDebootstrapLine(reader: DebootstrapReader, line: string): DebootstrapReader {
  const m = /^(P|PA|PF|I|IA|IF|W|WA|WF|E|EA|EF): ?(.*)$/.exec(line);
  if (m === null) return reader;
  const [, tag, rest = ''] = m;
  switch (tag) {
    case 'P': {
      // `P: now end` without a name is wget's progress inside one file, measured from a point
      // debootstrap does not move between files (it goes back and forth): packages are counted
      // from RETRIEVING messages instead.
      const [now, end, name] = rest.trim().split(/\s+/);
      if (name === undefined || !Number.isFinite(Number(now)) || !Number.isFinite(Number(end))) return reader;
      return { ...applyProgress(reader, name, Number(now), Number(end)), pending: undefined };
    }
    case 'I':
    case 'W':
    case 'E':
      return { ...reader, pending: { kind: tag, name: rest.trim(), args: [] } };
    case 'PA':
    case 'IA':
    case 'WA':
    case 'EA':
      return reader.pending === undefined
        ? reader
        : { ...reader, pending: { ...reader.pending, args: [...reader.pending.args, rest] } };
    case 'IF':
    case 'WF':
    case 'EF': {
      const pending = reader.pending;
      if (pending === undefined || pending.kind === 'P') return reader;
      const message: DebootstrapMessage = {
        level: LEVEL[pending.kind],
        name: pending.name,
        text: formatMessage(rest, pending.args),
      };
      return { ...applyMessage(reader, message), pending: undefined };
    }
    default:
      return reader;
  }
}

function applyProgress(reader: DebootstrapReader, name: string, now: number, end: number): DebootstrapReader {
  const spec = PHASES[name];
  if (spec === undefined) return { ...reader, current: name };
  const within = end > 0 ? Math.min(1, Math.max(0, now / end)) : 1;
  const ratio = Math.max(reader.progress.ratio, spec.from + (spec.to - spec.from) * within);
  const known = reader.progress.packages?.total;
  const packages = COUNTS_PACKAGES.has(name) && end > 0 ? { done: Math.min(now, end), total: end } : undefined;
  const downloading = name === 'DOWNDEBS';
  return {
    ...reader,
    current: name,
    progress: {
      ...reader.progress,
      phase: spec.phase,
      ratio,
      // While downloading, packages count as they are retrieved; the total is SIZEDEBS's.
      packages:
        packages ??
        (downloading && known !== undefined ? { done: Math.min(reader.retrieved, known), total: known } : undefined),
      downloadBytes: downloading && end > 0 ? end : undefined,
    },
  };
}

function applyMessage(reader: DebootstrapReader, message: DebootstrapMessage): DebootstrapReader {
  if (message.level !== 'info') {
    const label = message.level === 'error' ? 'E' : 'W';
    return {
      ...reader,
      progress: { ...reader.progress, problems: [...reader.progress.problems, `${label}: ${message.text}`].slice(-8) },
    };
  }
  if (message.name === 'RETRIEVING' && reader.current === 'DOWNDEBS') {
    const retrieved = reader.retrieved + 1;
    const total = reader.progress.packages?.total;
    if (total === undefined) return { ...reader, retrieved };
    const spec = PHASES.DOWNDEBS!;
    const done = Math.min(retrieved, total);
    const ratio = Math.max(reader.progress.ratio, spec.from + ((spec.to - spec.from) * done) / total);
    return { ...reader, retrieved, progress: { ...reader.progress, packages: { done, total }, ratio } };
  }
  if (message.name === 'BASESUCCESS') {
    return { ...reader, progress: { ...reader.progress, phase: 'done', ratio: 1 } };
  }
  return reader;
}

/** `downloading packages 23/78, 32.8 MB (21%)`: one line a user reads. */
export function describeDebootstrap(p: DebootstrapProgress): string {
  const parts = [p.phase];
  if (p.packages !== undefined) parts[0] += ` ${p.packages.done}/${p.packages.total}`;
  if (p.downloadBytes !== undefined) parts.push(`${(p.downloadBytes / 1e6).toFixed(1)} MB`);
  return `${parts.join(', ')} (${Math.floor(p.ratio * 100)}%)`;
}
