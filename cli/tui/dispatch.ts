import { useCallback, useRef, useState } from 'react';
import { useInput } from 'ink';
import type { MeshActions } from './actions.js';
import type { UiAction } from './state/actions.js';
import { describeCommand } from './state/commands.js';
import { guard, keyIntent } from './state/keys.js';
import type { Intent } from './state/keys.js';
import type { MeshCommand, UiState } from './state/types.js';

/**
 * The dashboard's input side: key presses become intents (state/keys.ts decides which), intents
 * become reducer actions or commands, and commands go to `MeshActions` with their start and outcome
 * in the event log. No drawing here; App.tsx composes this with the views.
 */

/** How the UI ended: `down` when the user chose to bring the mesh down with it. */
export interface ExitRequest {
  readonly down: boolean;
}

/** Sends a command to the mesh. `quit` is the UI's own business and sends nothing. */
export async function execute(actions: MeshActions, command: MeshCommand): Promise<void> {
  switch (command.type) {
    case 'kill':
      return actions.kill(command.instance);
    case 'stop':
      return actions.stop(command.instance);
    case 'start':
      return actions.start(command.instance);
    case 'restart':
      return actions.restart(command.instance);
    case 'pause':
      return actions.pause(command.instance);
    case 'unpause':
      return actions.unpause(command.instance);
    case 'add-fault':
      return actions.addFault(command.target, command.fault);
    case 'clear-faults':
      return actions.clearFaults(command.target);
    case 'clear-all-faults':
      return actions.clearAllFaults();
    case 'partition':
      return actions.partition(command.from, command.to, command.ttlMs);
    case 'scale':
      return actions.scale(command.service, command.delta);
    case 'set-rate':
      return actions.setRate(command.rate);
    case 'pause-traffic':
      return actions.pauseTraffic();
    case 'resume-traffic':
      return actions.resumeTraffic();
    case 'quit':
      return;
  }
}

/**
 * The UI state as a store: the reducer's result is kept in a ref as well as in React, so key
 * presses that arrive in one burst (a paste, a fast typist, a test) each see the state the previous
 * one produced, not the last render's. A burst of actions (a refresh brings five or six at once)
 * costs one render: Ink's legacy root renders synchronously on every state change otherwise, and
 * rendering is most of the UI's CPU.
 */
export function useUiStore(
  initial: () => UiState,
  reduce: (state: UiState, action: UiAction) => UiState,
): { readonly current: () => UiState; readonly dispatch: (action: UiAction) => void } {
  const store = useRef<UiState | undefined>(undefined);
  if (store.current === undefined) store.current = initial();
  const [, setVersion] = useState(0);
  const renderQueued = useRef(false);
  const dispatch = useCallback((action: UiAction) => {
    const next = reduce(store.current!, action);
    if (next === store.current) return;
    store.current = next;
    if (renderQueued.current) return;
    renderQueued.current = true;
    queueMicrotask(() => {
      renderQueued.current = false;
      setVersion((v) => v + 1);
    });
  }, []);
  const current = useCallback(() => store.current!, []);
  return { current, dispatch };
}

export interface CommandDeps {
  readonly actions: MeshActions;
  readonly dispatch: (action: UiAction) => void;
  readonly now: () => number;
  readonly onExit: (request: ExitRequest) => void;
  /** Asks the data layer for a refresh now, so a command's effect shows without waiting. */
  readonly refresh: () => void;
}

/** Runs a command: closes the dialog, counts it pending, and logs how it went. */
export function runCommand(deps: CommandDeps, command: MeshCommand): void {
  const { actions, dispatch, now } = deps;
  dispatch({ type: 'close' });
  if (command.type === 'quit') return deps.onExit({ down: command.down });
  dispatch({ type: 'command-started' });
  execute(actions, command).then(
    () => {
      dispatch({ type: 'command-finished', at: now(), ok: true, text: describeCommand(command) });
      deps.refresh();
    },
    (err: unknown) =>
      dispatch({
        type: 'command-finished',
        at: now(),
        ok: false,
        text: `${describeCommand(command)} failed: ${err instanceof Error ? err.message : String(err)}`,
      }),
  );
}

/** Carries out what a key meant. */
export function applyIntent(deps: CommandDeps, intent: Intent): void {
  if (intent.kind === 'dispatch') deps.dispatch(intent.action);
  else if (intent.kind === 'run') runCommand(deps, intent.command);
}

/** A command a dialog chose: run it, or first ask when it is destructive (unless --yes). */
export function submitCommand(deps: CommandDeps, command: MeshCommand, yes: boolean): void {
  applyIntent(deps, guard(command, yes));
}

/**
 * The main key map, listening only while no dialog is open (help aside): a dialog's own inputs
 * (@inkjs/ui Select, TextInput, ConfirmInput) read the keys then, and Esc closes it.
 */
export function useKeyDispatch(options: {
  readonly current: () => UiState;
  readonly deps: CommandDeps;
  readonly yes: boolean;
}): void {
  const { current, deps, yes } = options;
  const modal = current().view.modal.kind;
  const dialogOpen = modal !== 'none' && modal !== 'help';
  useInput((input, key) => applyIntent(deps, keyIntent(current(), input, key, { yes, now: deps.now() })), {
    isActive: !dialogOpen,
  });
  useInput(
    (_input, key) => {
      if (key.escape) deps.dispatch({ type: 'close' });
    },
    { isActive: dialogOpen },
  );
}
