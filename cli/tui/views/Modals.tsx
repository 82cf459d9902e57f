import type { MeshActions } from '../actions.js';
import type { UiAction } from '../state/actions.js';
import type { ClientStats, LogEvent, MeshCommand, Modal } from '../state/types.js';
import { EventLog } from './EventLog.js';
import { Footer } from './Footer.js';
import { HelpOverlay } from './Help.js';
import { LogPane } from './LogPane.js';
import { ConfirmDialog, FaultForm, FaultMenu, FilterInput, PartitionPicker, TrafficMenu } from './dialogs.js';

/** What every modal may do: change the UI, run a command (asked first when destructive), close. */
export interface ModalCallbacks {
  readonly dispatch: (action: UiAction) => void;
  /** Runs a command as chosen in a dialog, asking first when it is destructive (unless --yes). */
  readonly onCommand: (command: MeshCommand) => void;
  /** Runs a command the user has just confirmed. */
  readonly onConfirmed: (command: MeshCommand) => void;
  readonly followLogs: MeshActions['followLogs'];
}

export interface BottomPaneProps extends ModalCallbacks {
  readonly modal: Modal;
  readonly yes: boolean;
  readonly services: readonly string[];
  readonly events: readonly LogEvent[];
  readonly client: ClientStats | undefined;
  readonly rows: number;
  readonly width: number;
}

/** The pane under the faults panel: the open dialog, the log pane, or else the event log. */
export function BottomPane(props: BottomPaneProps) {
  const { modal, dispatch, onCommand } = props;
  const onClose = () => dispatch({ type: 'close' });
  switch (modal.kind) {
    case 'help':
      return <HelpOverlay yes={props.yes} />;
    case 'confirm':
      return (
        <ConfirmDialog prompt={modal.prompt} onConfirm={() => props.onConfirmed(modal.command)} onClose={onClose} />
      );
    case 'fault-menu':
      return (
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
    case 'fault-form':
      return (
        <FaultForm
          target={modal.target}
          draft={modal.draft}
          onDraft={(draft) => dispatch({ type: 'update-draft', draft })}
          onCommand={onCommand}
          onClose={onClose}
        />
      );
    case 'partition':
      return <PartitionPicker from={modal.from} services={props.services} onCommand={onCommand} onClose={onClose} />;
    case 'traffic':
      return <TrafficMenu paused={props.client?.paused} onCommand={onCommand} onClose={onClose} />;
    case 'logs':
      return (
        <LogPane
          instance={modal.instance}
          sidecar={modal.sidecar}
          follow={props.followLogs}
          rows={props.rows}
          width={props.width}
          onToggle={() => dispatch({ type: 'open', modal: { ...modal, sidecar: !modal.sidecar } })}
        />
      );
    default:
      return <EventLog events={props.events} rows={props.rows} width={props.width} />;
  }
}

/** The last line: the filter being typed, or the key hints. */
export function BottomLine({
  modal,
  filter,
  width,
  dispatch,
}: {
  readonly modal: Modal;
  readonly filter: string;
  readonly width: number;
  readonly dispatch: (action: UiAction) => void;
}) {
  if (modal.kind !== 'filter') return <Footer filter={filter} width={width} />;
  return (
    <FilterInput
      filter={filter}
      onChange={(text) => dispatch({ type: 'set-filter', text })}
      onClose={() => dispatch({ type: 'close' })}
    />
  );
}
