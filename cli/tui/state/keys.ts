import type { UiAction } from './actions.js';
import { describeCommand, isDestructive } from './commands.js';
import { selectedInstance, selectedService, selectionTarget } from './select.js';
import type { MeshCommand, UiState } from './types.js';

/** The subset of Ink's `Key` the key map reads (so tests need not build a whole `Key`). */
export interface KeyInfo {
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly ctrl?: boolean;
}

/** What a key press means: change the UI, run a command against the mesh, or nothing. */
export type Intent =
  | { readonly kind: 'dispatch'; readonly action: UiAction }
  | { readonly kind: 'run'; readonly command: MeshCommand }
  | { readonly kind: 'none' };

const NONE: Intent = { kind: 'none' };

/** Runs a command, or first asks when it is destructive and the UI was not started with --yes. */
export function guard(command: MeshCommand, yes: boolean): Intent {
  if (isDestructive(command) && !yes) {
    return {
      kind: 'dispatch',
      action: { type: 'open', modal: { kind: 'confirm', command, prompt: `${describeCommand(command)}?` } },
    };
  }
  return { kind: 'run', command };
}

function needInstance(state: UiState, now: number): Intent {
  return {
    kind: 'dispatch',
    action: {
      type: 'log',
      event: {
        at: now,
        source: 'ui',
        level: 'warn',
        text: `select an instance first (Enter on ${selectedService(state)?.name ?? 'a service'})`,
      },
    },
  };
}

/** The full key list, for the footer (short) and the `?` overlay (all). */
export const KEY_HELP: ReadonlyArray<{ readonly keys: string; readonly what: string; readonly short?: string }> = [
  { keys: 'up/down j/k', what: 'select', short: 'move' },
  { keys: 'Enter/right', what: 'drill into a service', short: 'open' },
  { keys: 'left/Esc', what: 'back, close a dialog' },
  { keys: 'f', what: 'fault menu for the selection', short: 'fault' },
  { keys: 'x', what: 'kill the instance', short: 'kill' },
  { keys: 's', what: 'stop / start the instance', short: 'stop' },
  { keys: 'p', what: 'pause / unpause the instance', short: 'pause' },
  { keys: 'r', what: 'restart the instance' },
  { keys: 'n', what: 'partition the service from another' },
  { keys: '+/-', what: 'scale the service up / down' },
  { keys: 'c', what: 'clear faults on the selection' },
  { keys: 'C', what: 'clear all faults and partitions' },
  { keys: 'l', what: "follow the instance's logs (s: app/sidecar, Esc back)" },
  { keys: 't', what: 'traffic: load generator on/off and rate', short: 'traffic' },
  { keys: '/', what: 'filter services', short: 'filter' },
  { keys: '?', what: 'this help', short: 'help' },
  { keys: 'q', what: 'quit, leave the mesh running', short: 'quit' },
  { keys: 'Q', what: 'quit and bring the mesh down' },
];

/**
 * The main screen's key map (no dialog open). Pure: `now` stamps log lines, `yes` skips
 * confirmations. Dialogs read their own keys; only Esc reaches here while one is open.
 */
export function keyIntent(state: UiState, input: string, key: KeyInfo, opts: { yes: boolean; now: number }): Intent {
  const modal = state.view.modal.kind;
  if (modal !== 'none') {
    if (key.escape || (modal === 'help' && (input === '?' || input === 'q')))
      return { kind: 'dispatch', action: { type: 'close' } };
    return NONE;
  }
  if (key.upArrow || input === 'k') return { kind: 'dispatch', action: { type: 'move', delta: -1 } };
  if (key.downArrow || input === 'j') return { kind: 'dispatch', action: { type: 'move', delta: 1 } };
  if (key.return || key.rightArrow) return { kind: 'dispatch', action: { type: 'drill-in' } };
  if (key.leftArrow || key.escape) return { kind: 'dispatch', action: { type: 'back' } };

  const instance = state.view.focus === 'instances' ? selectedInstance(state) : undefined;
  const service = selectedService(state)?.name;
  const target = selectionTarget(state);
  const app = instance === undefined ? undefined : state.containers[instance]?.app;

  switch (input) {
    case '?':
      return { kind: 'dispatch', action: { type: 'open', modal: { kind: 'help' } } };
    case '/':
      return { kind: 'dispatch', action: { type: 'open', modal: { kind: 'filter' } } };
    case 'f':
      return target === undefined
        ? NONE
        : { kind: 'dispatch', action: { type: 'open', modal: { kind: 'fault-menu', target } } };
    case 'x':
      return instance === undefined ? needInstance(state, opts.now) : guard({ type: 'kill', instance }, opts.yes);
    case 's':
      if (instance === undefined) return needInstance(state, opts.now);
      return app === 'running' || app === 'paused' || app === 'restarting'
        ? guard({ type: 'stop', instance }, opts.yes)
        : guard({ type: 'start', instance }, opts.yes);
    case 'p':
      if (instance === undefined) return needInstance(state, opts.now);
      return app === 'paused'
        ? guard({ type: 'unpause', instance }, opts.yes)
        : guard({ type: 'pause', instance }, opts.yes);
    case 'r':
      return instance === undefined ? needInstance(state, opts.now) : guard({ type: 'restart', instance }, opts.yes);
    case 'n':
      return service === undefined
        ? NONE
        : { kind: 'dispatch', action: { type: 'open', modal: { kind: 'partition', from: service } } };
    case '+':
      return service === undefined ? NONE : guard({ type: 'scale', service, delta: 1 }, opts.yes);
    case '-':
      return service === undefined ? NONE : guard({ type: 'scale', service, delta: -1 }, opts.yes);
    case 'c':
      return target === undefined ? NONE : guard({ type: 'clear-faults', target }, opts.yes);
    case 'C':
      return guard({ type: 'clear-all-faults' }, opts.yes);
    case 'l':
      return instance === undefined
        ? needInstance(state, opts.now)
        : { kind: 'dispatch', action: { type: 'open', modal: { kind: 'logs', instance, sidecar: false } } };
    case 't':
      return { kind: 'dispatch', action: { type: 'open', modal: { kind: 'traffic' } } };
    case 'q':
      return guard({ type: 'quit', down: false }, opts.yes);
    case 'Q':
      return guard({ type: 'quit', down: true }, opts.yes);
    default:
      return NONE;
  }
}
