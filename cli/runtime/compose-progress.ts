/**
 * Condenses Compose's per-container progress ("Container meshdev-shop-catalog-1  Started", four or
 * five lines per container) into a few lines a person can follow: how many containers are
 * created, started and healthy, printed when the counts move. Anything that is not a routine
 * container/network step (errors, warnings, build output) passes through unchanged.
 */
export interface ComposeProgressState {
  readonly total: number;
  readonly created: ReadonlySet<string>;
  readonly started: ReadonlySet<string>;
  readonly healthy: ReadonlySet<string>;
  readonly removed: ReadonlySet<string>;
}

export function initialProgress(total: number): ComposeProgressState {
  return { total, created: new Set(), started: new Set(), healthy: new Set(), removed: new Set() };
}

const STEP = /^\s*(Container|Network|Volume)\s+(\S+)\s+(\S.*?)\s*$/;

/** Folds one Compose output line into the counts; returns the line to print, if any. */
export function foldComposeLine(
  state: ComposeProgressState,
  line: string,
): { state: ComposeProgressState; print: string | undefined } {
  const m = STEP.exec(line);
  if (!m) return { state, print: line.trim() === '' ? undefined : line.trim() };
  const [, kind, name, step] = m as unknown as [string, string, string, string];
  if (kind !== 'Container') return { state, print: undefined };
  const add = (set: ReadonlySet<string>) => new Set([...set, name]);
  let next = state;
  switch (step) {
    case 'Created':
    case 'Recreated':
    case 'Running':
      next = { ...state, created: add(state.created) };
      break;
    case 'Started':
      next = { ...state, created: add(state.created), started: add(state.started) };
      break;
    case 'Healthy':
      next = { ...state, started: add(state.started), healthy: add(state.healthy) };
      break;
    case 'Removed':
      next = { ...state, removed: add(state.removed) };
      break;
    default:
      // Creating, Starting, Waiting, Stopping, Removing...: transitions, not news. Errors
      // ("Error", "exited (1)") are reported by Compose on lines of their own.
      if (/error|exited|unhealthy/i.test(step)) return { state, print: line.trim() };
      return { state, print: undefined };
  }
  return { state: next, print: summarize(state, next) };
}

function summarize(before: ComposeProgressState, after: ComposeProgressState): string | undefined {
  const t = after.total;
  if (after.removed.size !== before.removed.size) {
    return after.removed.size === t || after.removed.size % 5 === 0
      ? `removed ${after.removed.size} containers`
      : undefined;
  }
  if (after.healthy.size !== before.healthy.size) {
    return after.healthy.size === t || after.healthy.size % 5 === 0 ? `healthy ${after.healthy.size}/${t}` : undefined;
  }
  if (after.started.size !== before.started.size) {
    return after.started.size === t || after.started.size % 5 === 0 ? `started ${after.started.size}/${t}` : undefined;
  }
  return undefined;
}

/**
 * What `meshdev up` shows on a terminal: a short list of steps (images, the Compose file,
 * containers, health), each running, done or failed, with a detail and, where there is one, how
 * far along it is. Folded from the same progress lines the plain output prints, plus Compose's
 * counts; lines that are not a step's progress (notices, errors) are kept as notes, printed once.
 */
export interface UpStep {
  readonly key: string;
  readonly label: string;
  readonly state: 'running' | 'done' | 'failed';
  readonly detail: string;
  /** 0..1 when the step knows how far it is. */
  readonly ratio: number | undefined;
}

export interface UpProgressState {
  readonly steps: readonly UpStep[];
  readonly notes: readonly string[];
}

export const INITIAL_UP_PROGRESS: UpProgressState = { steps: [], notes: [] };

function finishRunning(steps: readonly UpStep[], state: 'done' | 'failed', except?: string): UpStep[] {
  return steps.map((s) => (s.state === 'running' && s.key !== except ? { ...s, state } : s));
}

/** Starts (or updates) the step `key`; every other running step is done by then. */
function upsert(state: UpProgressState, step: UpStep): UpProgressState {
  const steps = finishRunning(state.steps, 'done', step.key);
  const i = steps.findIndex((s) => s.key === step.key);
  if (i >= 0) steps[i] = step;
  else steps.push(step);
  return { ...state, steps };
}

function updateRunning(state: UpProgressState, detail: string, ratio: number | undefined): UpProgressState {
  const steps = [...state.steps];
  for (let i = steps.length - 1; i >= 0; i--) {
    if (steps[i]!.state === 'running' && steps[i]!.key.startsWith('image:')) {
      steps[i] = { ...steps[i]!, detail, ratio };
      return { ...state, steps };
    }
  }
  return state;
}

/** Folds one progress line of `up` into the step list. Pure. */
export function foldUpLine(state: UpProgressState, line: string): UpProgressState {
  const text = line.trim();
  let m: RegExpExecArray | null;
  if ((m = /^pulling (\S+)/.exec(text))) {
    return upsert(state, {
      key: `image:${m[1]}`,
      label: `pull ${m[1]}`,
      state: 'running',
      detail: '',
      ratio: undefined,
    });
  }
  if ((m = /^building (\S+)(.*)$/.exec(text))) {
    return upsert(state, {
      key: `image:${m[1]}`,
      label: `build ${m[1]}`,
      state: 'running',
      detail: m[2]!.trim(),
      ratio: undefined,
    });
  }
  if ((m = /^built (\S+) in (.*)$/.exec(text))) {
    const key = `image:${m[1]}`;
    const prev = state.steps.find((s) => s.key === key);
    return upsert(state, {
      key,
      label: prev?.label ?? `build ${m[1]}`,
      state: 'done',
      detail: `in ${m[2]}`,
      ratio: undefined,
    });
  }
  if ((m = /^(\d+)\/(\d+) layers done(?:, ([\d.]+)\/([\d.]+) MB downloaded)?/.exec(text))) {
    const ratio = m[4] !== undefined && Number(m[4]) > 0 ? Number(m[3]) / Number(m[4]) : Number(m[1]) / Number(m[2]);
    return updateRunning(state, text, Math.min(1, ratio));
  }
  if ((m = /^Step (\d+)\/(\d+) :/.exec(text))) {
    return updateRunning(state, text, (Number(m[1]) - 1) / Number(m[2]));
  }
  if ((m = /^rendered (.+)$/.exec(text))) {
    return upsert(state, {
      key: 'render',
      label: 'render Compose file',
      state: 'done',
      detail: m[1]!,
      ratio: undefined,
    });
  }
  if (/^(started|healthy|removed) \d+(\/\d+)?( containers)?$/.test(text)) return state; // Compose counts: see foldUpCompose
  if ((m = /^waiting for (.*)$/.exec(text))) {
    return upsert(state, {
      key: 'health',
      label: 'wait for Consul health and Prometheus',
      state: 'running',
      detail: m[1]!,
      ratio: undefined,
    });
  }
  // A pull that failed and fell back to a local build (air-gapped mode) did not happen: its notice
  // says so, and the step goes rather than show as done.
  const failedPull = /pulling (\S+) failed/.exec(text);
  if (failedPull) {
    return { steps: state.steps.filter((s) => s.key !== `image:${failedPull[1]}`), notes: [...state.notes, text] };
  }
  const running = state.steps.find((s) => s.state === 'running');
  // Build output belongs to the build that runs; anything else is worth keeping on screen.
  if (running?.key.startsWith('image:') && running.label.startsWith('build')) {
    // debootstrap's lines end in the share of its run done: `... unpacking packages 34/78 (71%)`.
    const percent = /\((\d{1,3})%\)$/.exec(text);
    // The step's label names the image already: `meshdev/debian:trixie: unpacking...` -> `unpacking...`.
    const image = running.key.slice('image:'.length);
    const detail = text.startsWith(`${image}: `) ? text.slice(image.length + 2).trim() : text;
    return updateRunning(state, detail, percent === null ? running.ratio : Math.min(1, Number(percent[1]) / 100));
  }
  return text === '' ? state : { ...state, notes: [...state.notes, text] };
}

/** Compose's container counts as the `containers` step. Pure. */
export function foldUpCompose(state: UpProgressState, compose: ComposeProgressState): UpProgressState {
  const t = compose.total;
  const detail = `${compose.started.size}/${t} started${compose.healthy.size > 0 ? `, ${compose.healthy.size} healthy` : ''}`;
  const prev = state.steps.find((s) => s.key === 'containers');
  if (prev !== undefined && prev.state !== 'running') return state;
  return upsert(state, {
    key: 'containers',
    label: 'start containers',
    state: 'running',
    detail,
    ratio: t > 0 ? Math.min(1, compose.started.size / t) : undefined,
  });
}

/** The end: every running step done, or (on failure) failed. */
export function finishUpProgress(state: UpProgressState, ok: boolean): UpProgressState {
  return { ...state, steps: finishRunning(state.steps, ok ? 'done' : 'failed') };
}
