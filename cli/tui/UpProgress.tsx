import { useEffect, useState } from 'react';
import { Box, render, Static, Text } from 'ink';
import { ProgressBar, Spinner } from '@inkjs/ui';
import type { ComposeProgressState, UpProgressState, UpStep } from '../runtime/compose-progress.js';
import { finishUpProgress, foldUpCompose, foldUpLine, INITIAL_UP_PROGRESS } from '../runtime/compose-progress.js';
import { makeTheme, ThemeContext, useTheme } from './views/theme.js';

function StepLine({ step, width }: { readonly step: UpStep; readonly width: number }) {
  const theme = useTheme();
  const mark =
    step.state === 'running' ? (
      <Spinner />
    ) : step.state === 'done' ? (
      <Text color={theme.color('ok')}>✓</Text>
    ) : (
      <Text color={theme.color('bad')}>✗</Text>
    );
  const bar = step.state === 'running' && step.ratio !== undefined;
  const room = Math.max(10, width - step.label.length - (bar ? 28 : 6));
  const detail = step.detail.length > room ? `${step.detail.slice(0, room - 1)}…` : step.detail;
  return (
    <Box gap={1}>
      <Box width={1}>{mark}</Box>
      <Text>{step.label}</Text>
      {bar ? (
        <Box width={20}>
          <ProgressBar value={Math.round(step.ratio! * 100)} />
        </Box>
      ) : null}
      <Text color={theme.color(step.state === 'failed' ? 'bad' : 'dim')} wrap="truncate">
        {detail}
      </Text>
    </Box>
  );
}

/** Notes print once above (Ink's Static); the steps below redraw in place. */
export function UpProgressView({ state, width }: { readonly state: UpProgressState; readonly width: number }) {
  return (
    <Box flexDirection="column">
      <Static items={state.notes.map((text, i) => ({ text, i }))}>
        {(n) => <Text key={n.i}>{`  ${n.text}`}</Text>}
      </Static>
      {state.steps.map((s) => (
        <Box key={s.key} paddingLeft={2}>
          <StepLine step={s} width={width - 2} />
        </Box>
      ))}
    </Box>
  );
}

type Listener = (state: UpProgressState) => void;

function Live({
  initial,
  subscribe,
  width,
}: {
  initial: UpProgressState;
  subscribe: (l: Listener) => void;
  width: number;
}) {
  const [state, setState] = useState(initial);
  useEffect(() => subscribe(setState), [subscribe]);
  return <UpProgressView state={state} width={width} />;
}

export interface LiveUpProgress {
  readonly line: (line: string) => void;
  readonly counts: (compose: ComposeProgressState) => void;
  /** Draws the final state (failed steps marked) and releases the terminal. */
  readonly finish: (ok: boolean) => Promise<void>;
}

/** The step list of `meshdev up` on a terminal, drawn with Ink on `stream` (stderr). */
export function startUpProgress(stream: NodeJS.WriteStream, noColor: boolean): LiveUpProgress {
  let state = INITIAL_UP_PROGRESS;
  let listener: Listener | undefined;
  const set = (next: UpProgressState) => {
    if (next === state) return;
    state = next;
    listener?.(state);
  };
  const instance = render(
    <ThemeContext.Provider value={makeTheme(noColor)}>
      <Live initial={state} subscribe={(l) => (listener = l)} width={stream.columns || 80} />
    </ThemeContext.Provider>,
    { stdout: stream, patchConsole: false, exitOnCtrlC: false },
  );
  return {
    line: (line) => set(foldUpLine(state, line)),
    counts: (compose) => set(foldUpCompose(state, compose)),
    finish: async (ok) => {
      set(finishUpProgress(state, ok));
      // Let Ink draw the last frame before it lets go of the terminal.
      await new Promise((r) => setTimeout(r, 50));
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
