import { Box, Text } from 'ink';
import { Spinner } from '@inkjs/ui';
import type { ClientStats, Reachability } from '../state/types.js';
import { fmtMs, fmtPct, fmtRps } from './format.js';
import { stateMeaning, useTheme } from './theme.js';

export interface HeaderProps {
  readonly mesh: string;
  readonly runtime: string;
  readonly reach: { readonly docker: Reachability; readonly consul: Reachability; readonly prometheus: Reachability };
  readonly client: ClientStats | undefined;
  readonly pending: number;
}

function Reach({ name, value }: { readonly name: string; readonly value: Reachability }) {
  const theme = useTheme();
  return (
    <Text>
      {name} <Text color={theme.color(stateMeaning(value))}>{value}</Text>
    </Text>
  );
}

/** Mesh name, where it runs, whether its control plane answers, and what clients see right now. */
export function Header({ mesh, runtime, reach, client, pending }: HeaderProps) {
  const theme = useTheme();
  const success = client?.success;
  const successMeaning = success === undefined ? 'dim' : success >= 0.99 ? 'ok' : success >= 0.9 ? 'warn' : 'bad';
  return (
    <Box flexDirection="column">
      <Box justifyContent="space-between">
        <Text bold>
          meshdev <Text color={theme.color('accent')}>{mesh}</Text> · {runtime}
        </Text>
        <Box gap={2}>
          {pending > 0 ? <Spinner label="working" /> : null}
          <Reach name="docker" value={reach.docker} />
          <Reach name="consul" value={reach.consul} />
          <Reach name="prometheus" value={reach.prometheus} />
        </Box>
      </Box>
      <Text>
        clients:{' '}
        {client === undefined ? (
          <Text color={theme.color('dim')}>no load generator data</Text>
        ) : (
          <>
            {fmtRps(client.rps)} rps · success <Text color={theme.color(successMeaning)}>{fmtPct(success)}</Text> · p50{' '}
            {fmtMs(client.p50Ms)} · p99 {fmtMs(client.p99Ms)} · traffic{' '}
            {client.paused ? 'paused' : `${fmtRps(client.targetRate)}/s`}
          </>
        )}
      </Text>
    </Box>
  );
}
