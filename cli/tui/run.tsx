import { render } from 'ink';
import type { Mesh } from '../mesh/mesh.js';
import type { ResolvedMesh } from '../mesh/model.js';
import { connectDocker } from '../runtime/docker.js';
import { alternateScreen } from './alternate-screen.js';
import { ControlMeshActions } from './actions.js';
import type { ExitRequest } from './App.js';
import { App } from './App.js';
import { DataLayer } from './data/layer.js';
import { controlFaultSource } from './fault-adapter.js';
import type { MeshLayout } from './state/types.js';
import { meshdevCommand } from '../invocation.js';

/** Signals that end the dashboard like `q` before they end the process. */
const EXIT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export interface RunUiOptions {
  readonly yes: boolean;
  readonly refreshMs: number;
  readonly noColor: boolean;
  /** How the user named the topology on the command line (for the reattach hint). */
  readonly fileFlag: string | undefined;
}

export function layoutOf(mesh: ResolvedMesh, fileFlag: string | undefined): MeshLayout {
  const f = fileFlag === undefined ? '' : ` -f ${fileFlag}`;
  return {
    name: mesh.name,
    runtime: 'docker',
    services: mesh.services.map((s) => ({ name: s.name, instances: s.instances.map((i) => i.id) })),
    reattachHint: meshdevCommand(`ui${f}`),
    stopHint: meshdevCommand(`down${f}`),
  };
}

/**
 * Runs the dashboard until the user quits. Returns what they asked for; with `down` the mesh has
 * been brought down already. The data layer is stopped before this returns.
 */
export async function runUi(mesh: Mesh, options: RunUiOptions): Promise<ExitRequest> {
  const docker = connectDocker();
  const control = mesh.control({ docker });
  const layout = layoutOf(control.mesh, options.fileFlag);
  let exitRequest: ExitRequest = { down: false };
  let live: { layer: DataLayer; dispatch: Parameters<DataLayer['start']>[0] } | undefined;
  // `+`/`-` change the mesh's shape: the data layer then polls the new instances and the views
  // list them. `meshdev scale` does the same through the same control call.
  let current = control.mesh;
  const actions = new ControlMeshActions(
    control,
    docker,
    () => mesh.attach().down({ onProgress: (l) => process.stderr.write(`  ${l}\n`) }),
    (next) => {
      current = next.mesh;
      live?.layer.setMesh(current);
      live?.dispatch({ type: 'layout', layout: layoutOf(current, options.fileFlag) });
    },
  );
  const faults = controlFaultSource(control);
  const subscribe = (dispatch: Parameters<DataLayer['start']>[0]) => {
    const layer = new DataLayer({ docker, mesh: current, refreshMs: options.refreshMs, faults });
    live = { layer, dispatch };
    layer.start(dispatch);
    return { stop: () => layer.stop(), refresh: () => void layer.refresh(dispatch) };
  };
  let signalled: NodeJS.Signals | undefined;
  {
    // On the alternate screen: whichever way the dashboard ends (q, Ctrl-C, an error, SIGTERM), the
    // terminal shows again what was there before it, such as the start-up steps of `meshdev up`.
    using _screen = alternateScreen(process.stdout);
    const instance = render(
      <App
        layout={layout}
        actions={actions}
        yes={options.yes}
        noColor={options.noColor}
        subscribe={subscribe}
        onExit={(request) => {
          exitRequest = request;
          instance.unmount();
        }}
      />,
      // Not Ink's incrementalRendering: when a frame's height changed (an instance scaled away, a
      // fault listed), it left stale lines on screen in tmux (seen in CI), and a redraw per refresh
      // already keeps the CPU low.
      { exitOnCtrlC: true },
    );
    // A signal from outside (kill, a supervisor) ends the dashboard as `q` does, so that the screen
    // and the terminal's modes are restored; the process then ends by that signal, below. Ctrl-C
    // is a key here (raw mode), not a signal.
    const onSignal = (signal: NodeJS.Signals): void => {
      signalled = signal;
      instance.unmount();
    };
    for (const signal of EXIT_SIGNALS) process.once(signal, onSignal);
    try {
      await instance.waitUntilExit();
    } finally {
      for (const signal of EXIT_SIGNALS) process.off(signal, onSignal);
    }
  }
  if (exitRequest.down) {
    process.stderr.write(`bringing mesh ${mesh.name} down\n`);
    await actions.down();
    process.stdout.write(`mesh ${mesh.name} is down\n`);
  } else {
    process.stdout.write(
      `left the UI; mesh ${mesh.name} keeps running.\n  reattach: ${layout.reattachHint}\n  stop:     ${layout.stopHint}\n`,
    );
  }
  // Our listener is gone: the signal now does what it would have done without the dashboard.
  if (signalled !== undefined) process.kill(process.pid, signalled);
  return exitRequest;
}
