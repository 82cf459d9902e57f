import { Box, Text } from 'ink';
import type { LogEvent } from '../state/types.js';
import { clock, fit } from './format.js';
import { useTheme } from './theme.js';

export interface EventLogProps {
  readonly events: readonly LogEvent[];
  readonly rows: number;
  readonly width: number;
}

const LEVEL = { info: 'dim', warn: 'warn', error: 'bad' } as const;

/** The newest events that fit, oldest at the top, each with its time and source. */
export function EventLog({ events, rows, width }: EventLogProps) {
  const theme = useTheme();
  const shown = events.slice(-Math.max(0, rows - 1));
  return (
    <Box flexDirection="column">
      <Text bold color={theme.color('dim')}>
        EVENTS
      </Text>
      {shown.length === 0 ? <Text color={theme.color('dim')}>no events yet</Text> : null}
      {shown.map((e, i) => (
        <Text key={`${e.at}-${i}`} wrap="truncate">
          <Text color={theme.color('dim')}>{clock(e.at)}</Text> {fit(e.source, 7)}{' '}
          <Text color={theme.color(LEVEL[e.level])}>{fit(e.text, Math.max(10, width - 18))}</Text>
        </Text>
      ))}
    </Box>
  );
}
