import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Box, useStdout } from 'ink';
import type { MeshActions } from './actions.js';
import type { CommandDeps, ExitRequest } from './dispatch.js';
import { runCommand, submitCommand, useKeyDispatch, useUiStore } from './dispatch.js';
import { bottomPaneRows } from './layout.js';
import type { UiAction } from './state/actions.js';
import { initialState, reduce } from './state/reduce.js';
import { instanceRows, selectedInstance, selectedService, serviceRows } from './state/select.js';
import type { MeshLayout, UiState } from './state/types.js';
import { FaultsPanel } from './views/Faults.js';
import { Header } from './views/Header.js';
import { InstancesTable } from './views/Instances.js';
import { BottomLine, BottomPane } from './views/Modals.js';
import { ServicesTable } from './views/Services.js';
import { ThemeContext, makeTheme } from './views/theme.js';

export type { ExitRequest };

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

/**
 * The dashboard: the data layer feeds the store, keys go through dispatch.ts, and the views below
 * draw the state, top to bottom as layout.ts shares out the rows.
 */
export function App(props: AppProps) {
  const { layout, actions, yes, noColor, subscribe, onExit } = props;
  const now = props.now ?? Date.now;
  const { current, dispatch } = useUiStore(() => props.initial ?? initialState(layout, now()), reduce);
  const state = current();
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

  const deps = useMemo<CommandDeps>(
    () => ({ actions, dispatch, now, onExit, refresh: () => source.current?.refresh() }),
    [actions, dispatch, now, onExit],
  );
  useKeyDispatch({ current, deps, yes });
  // Stable, so the log pane keeps following across renders.
  const followLogs = useCallback<MeshActions['followLogs']>(
    (instance, sidecar, onLine) => actions.followLogs(instance, sidecar, onLine),
    [actions],
  );

  const svc = selectedService(state);
  const services = serviceRows(state);
  const instances = instanceRows(state);
  const bottomRows = bottomPaneRows(rows, {
    services: services.length,
    instances: instances.length,
    faults: state.faults.length,
    partitions: state.partitions.length,
  });

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
            rows={services}
            selected={svc?.name}
            focused={state.view.focus === 'services'}
            width={columns}
          />
        </Box>
        {svc === undefined ? null : (
          <Box marginTop={1}>
            <InstancesTable
              service={svc.name}
              rows={instances}
              selected={selectedInstance(state)}
              focused={state.view.focus === 'instances'}
            />
          </Box>
        )}
        <Box marginTop={1}>
          <FaultsPanel faults={state.faults} partitions={state.partitions} now={state.now} />
        </Box>
        <Box marginTop={1}>
          <BottomPane
            modal={state.view.modal}
            yes={yes}
            services={layout.services.map((s) => s.name)}
            events={state.events}
            client={state.client}
            rows={bottomRows}
            width={columns}
            dispatch={dispatch}
            onCommand={(command) => submitCommand(deps, command, yes)}
            onConfirmed={(command) => runCommand(deps, command)}
            followLogs={followLogs}
          />
        </Box>
        <BottomLine modal={state.view.modal} filter={state.view.filter} width={columns} dispatch={dispatch} />
      </Box>
    </ThemeContext.Provider>
  );
}
