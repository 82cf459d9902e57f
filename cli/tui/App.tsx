import { useCallback, useEffect, useRef, useState } from 'react';
import { Box, useInput, useStdout } from 'ink';
import type { MeshActions } from './actions.js';
import type { UiAction } from './state/actions.js';
import { describeCommand } from './state/commands.js';
import { guard, keyIntent } from './state/keys.js';
import type { Intent } from './state/keys.js';
import { initialState, reduce } from './state/reduce.js';
import { healthyCount, selectedInstance, selectedService, visibleServices } from './state/select.js';
import type { MeshCommand, MeshLayout, UiState } from './state/types.js';
import { EventLog } from './views/EventLog.js';
import { FaultsPanel } from './views/Faults.js';
import { Footer } from './views/Footer.js';
import { Header } from './views/Header.js';
import { HelpOverlay } from './views/Help.js';
import { InstancesTable } from './views/Instances.js';
import { ServicesTable } from './views/Services.js';
import { LogPane } from './views/LogPane.js';
import { ConfirmDialog, FaultForm, FaultMenu, FilterInput, PartitionPicker, TrafficMenu } from './views/dialogs.js';
import { ThemeContext, makeTheme } from './views/theme.js';

/** How the UI ended: `down` when the user chose to bring the mesh down with it. */
export interface ExitRequest {
  readonly down: boolean;
}

export interface AppProps {
  readonly layout: MeshLayout;
  readonly actions: MeshActions;
  /** Skip confirmations of destructive actions. */
  readonly yes: boolean;
  readonly noColor: boolean;
  /** Starts the data layer; returns how to stop it and how to ask for a refresh now. */
  readonly subscribe?: (dispatch: (action: UiAction) => void) => { stop(): void; refresh(): void };
  readonly onExit: (request: ExitRequest) => void;
  readonly now?: () => number;
  /** For tests: start from this state instead of an empty one. */
  readonly initial?: UiState;
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** Runs a command through `MeshActions`, reporting start and outcome to the event log. */
async function execute(actions: MeshActions, command: MeshCommand): Promise<void> {
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

export function App(props: AppProps) {
  const { layout, actions, yes, noColor, subscribe, onExit } = props;
  const now = props.now ?? Date.now;
  // The state lives in a ref as well as in React: key presses that arrive in one burst (a paste,
  // a fast typist, a test) each see the state the previous one produced, not the last render's.
  const store = useRef<UiState | undefined>(undefined);
  if (store.current === undefined) store.current = props.initial ?? initialState(layout, now());
  const [, setVersion] = useState(0);
  // One render for a burst of actions (a refresh brings five or six at once): Ink's legacy root
  // renders synchronously on every state change otherwise, and rendering is most of the UI's CPU.
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
  const state = store.current;
  const { columns, rows } = useTerminalSize();
  const source = useRef<{ stop(): void; refresh(): void } | undefined>(undefined);

  useEffect(() => {
    if (subscribe === undefined) return;
    source.current = subscribe(dispatch);
    // TTLs count down between data refreshes.
    const timer = setInterval(() => dispatch({ type: 'tick', now: now() }), 1000);
    return () => {
      clearInterval(timer);
      source.current?.stop();
    };
  }, [subscribe]);

  const run = useCallback(
    (command: MeshCommand) => {
      dispatch({ type: 'close' });
      if (command.type === 'quit') return onExit({ down: command.down });
      dispatch({ type: 'command-started' });
      execute(actions, command).then(
        () => {
          dispatch({ type: 'command-finished', at: now(), ok: true, text: describeCommand(command) });
          source.current?.refresh();
        },
        (err: unknown) =>
          dispatch({
            type: 'command-finished',
            at: now(),
            ok: false,
            text: `${describeCommand(command)} failed: ${err instanceof Error ? err.message : String(err)}`,
          }),
      );
    },
    [actions, onExit, now, dispatch],
  );

  const apply = useCallback(
    (intent: Intent) => {
      if (intent.kind === 'dispatch') dispatch(intent.action);
      else if (intent.kind === 'run') run(intent.command);
    },
    [run, dispatch],
  );

  // The main key map listens only while no dialog is open (help aside): a dialog's own inputs
  // (@inkjs/ui Select, TextInput, ConfirmInput) read the keys then, and Esc closes it.
  const dialogOpen = state.view.modal.kind !== 'none' && state.view.modal.kind !== 'help';
  useInput((input, key) => apply(keyIntent(store.current!, input, key, { yes, now: now() })), {
    isActive: !dialogOpen,
  });
  useInput(
    (_input, key) => {
      if (key.escape) dispatch({ type: 'close' });
    },
    { isActive: dialogOpen },
  );

  const onCommand = (command: MeshCommand) => apply(guard(command, yes));
  const followLogs = useCallback<MeshActions['followLogs']>(
    (instance, sidecar, onLine) => actions.followLogs(instance, sidecar, onLine),
    [actions],
  );
  const onClose = () => dispatch({ type: 'close' });

  const services = visibleServices(state);
  const svc = selectedService(state);
  const faultedTargets = new Set(state.faults.map((f) => f.target.replace(/-\d+$/, '')));
  const serviceRows = services.map((s) => ({
    name: s.name,
    healthy: healthyCount(state, s.instances),
    total: s.instances.length,
    stats: state.services[s.name],
    spark: state.sparks[s.name] ?? [],
    faulted: faultedTargets.has(s.name),
  }));
  const instanceRows = (svc?.instances ?? []).map((id) => ({
    id,
    containers: state.containers[id],
    health: state.health[id],
    outliers: state.outliers[id],
    stats: state.instances[id],
  }));

  const modal = state.view.modal;
  const faultLines = Math.max(
    1,
    state.faults.length + state.partitions.length + (state.faults.length + state.partitions.length > 0 ? 1 : 0),
  );
  // Whatever the tables leave is the event log's (or a dialog's): at least four lines.
  const used = 2 + 1 + (serviceRows.length + 1) + 1 + (instanceRows.length + 1) + 1 + faultLines + 1 + 1;
  const logRows = Math.max(4, rows - used);

  let bottom: React.ReactNode;
  switch (modal.kind) {
    case 'help':
      bottom = <HelpOverlay yes={yes} />;
      break;
    case 'confirm':
      bottom = <ConfirmDialog prompt={modal.prompt} onConfirm={() => run(modal.command)} onClose={onClose} />;
      break;
    case 'fault-menu':
      bottom = (
        <FaultMenu
          target={modal.target}
          onCommand={onCommand}
          onClose={onClose}
          onCustom={() =>
            dispatch({
              type: 'open',
              modal: {
                kind: 'fault-form',
                target: modal.target,
                draft: { kind: 'abort', value: 503, percent: 100, ttlMs: 60_000 },
              },
            })
          }
        />
      );
      break;
    case 'fault-form':
      bottom = (
        <FaultForm
          target={modal.target}
          draft={modal.draft}
          onDraft={(draft) => dispatch({ type: 'update-draft', draft })}
          onCommand={onCommand}
          onClose={onClose}
        />
      );
      break;
    case 'partition':
      bottom = (
        <PartitionPicker
          from={modal.from}
          services={layout.services.map((s) => s.name)}
          onCommand={onCommand}
          onClose={onClose}
        />
      );
      break;
    case 'traffic':
      bottom = <TrafficMenu paused={state.client?.paused} onCommand={onCommand} onClose={onClose} />;
      break;
    case 'logs':
      bottom = (
        <LogPane
          instance={modal.instance}
          sidecar={modal.sidecar}
          follow={followLogs}
          rows={logRows}
          width={columns}
          onToggle={() => dispatch({ type: 'open', modal: { ...modal, sidecar: !modal.sidecar } })}
        />
      );
      break;
    default:
      bottom = <EventLog events={state.events} rows={logRows} width={columns} />;
  }

  return (
    <ThemeContext.Provider value={makeTheme(noColor)}>
      <Box flexDirection="column" width={columns}>
        <Header
          mesh={layout.name}
          runtime={layout.runtime}
          reach={state.reach}
          client={state.client}
          pending={state.pending}
        />
        <Box marginTop={1}>
          <ServicesTable
            rows={serviceRows}
            selected={svc?.name}
            focused={state.view.focus === 'services'}
            width={columns}
          />
        </Box>
        {svc === undefined ? null : (
          <Box marginTop={1}>
            <InstancesTable
              service={svc.name}
              rows={instanceRows}
              selected={selectedInstance(state)}
              focused={state.view.focus === 'instances'}
            />
          </Box>
        )}
        <Box marginTop={1}>
          <FaultsPanel faults={state.faults} partitions={state.partitions} now={state.now} />
        </Box>
        <Box marginTop={1}>{bottom}</Box>
        {modal.kind === 'filter' ? (
          <FilterInput
            filter={state.view.filter}
            onChange={(text) => dispatch({ type: 'set-filter', text })}
            onClose={onClose}
          />
        ) : (
          <Footer filter={state.view.filter} width={columns} />
        )}
      </Box>
    </ThemeContext.Provider>
  );
}
