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
