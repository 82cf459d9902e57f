import { useEffect, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { LogFollow } from '../../mesh/logs.js';
import { appendBounded } from '../state/ring.js';
import { useTheme } from './theme.js';

export interface LogPaneProps {
  readonly instance: string;
  readonly sidecar: boolean;
  /** Starts following; each line arrives through `onLine` until `stop()`. */
  readonly follow: (instance: string, sidecar: boolean, onLine: (line: string) => void) => Promise<LogFollow>;
  readonly rows: number;
  readonly width: number;
  /** `s` switches between the app and the sidecar. */
  readonly onToggle: () => void;
}

/** How many lines the pane keeps (more than it shows, so a resize has something to show). */
const KEEP = 500;
/** Lines arrive in bursts (an access log at 20 rps); one render per burst, not per line. */
const FLUSH_MS = 100;

/** A log line may carry terminal control sequences that would move Ink's cursor: keep them out. */
export function printable(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\u001b\[[0-9;?]*[A-Za-z]|[\u0000-\u0008\u000b-\u001f\u007f]/g, '').replace(/\t/g, '  ');
}

/** The followed log of one container, newest at the bottom. Esc (read by the App) goes back. */
export function LogPane({ instance, sidecar, follow, rows, width, onToggle }: LogPaneProps) {
  const theme = useTheme();
  const [lines, setLines] = useState<readonly string[]>([]);
  const [status, setStatus] = useState<string>('connecting…');

  useEffect(() => {
    let stopped = false;
    let handle: LogFollow | undefined;
    let pending: string[] = [];
    setLines([]);
    setStatus('connecting…');
    const timer = setInterval(() => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      setLines((prev) => appendBounded(prev, batch, KEEP));
    }, FLUSH_MS);
    follow(instance, sidecar, (line) => pending.push(printable(line))).then(
      (h) => {
        if (stopped) return h.stop();
        handle = h;
        setStatus('following');
        void h.done.then(() => {
          if (!stopped) setStatus('log ended (container gone?)');
        });
      },
      (err: unknown) => {
        if (!stopped) setStatus(`cannot follow: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    return () => {
      stopped = true;
      clearInterval(timer);
      handle?.stop();
    };
  }, [instance, sidecar, follow]);

  useInput((input) => {
    if (input === 's') onToggle();
  });

  const shown = lines.slice(-Math.max(1, rows - 2));
  return (
    <Box flexDirection="column" width={width}>
      <Text bold color={theme.color('accent')}>
        LOGS {instance} {sidecar ? 'sidecar' : 'app'}{' '}
        <Text color={theme.color('dim')}>
          · {status} · s {sidecar ? 'app' : 'sidecar'} · Esc back
        </Text>
      </Text>
      {shown.length === 0 ? <Text color={theme.color('dim')}>no log lines yet</Text> : null}
      {shown.map((l, i) => (
        <Text key={`${lines.length - shown.length + i}`} wrap="truncate">
          {l === '' ? ' ' : l}
        </Text>
      ))}
    </Box>
  );
}
