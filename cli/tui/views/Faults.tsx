import { Box, Text } from 'ink';
import type { ActiveFault, ActivePartition } from '../state/types.js';
import { secondsLeft } from '../state/select.js';
import { useTheme } from './theme.js';

export interface FaultsPanelProps {
  readonly faults: readonly ActiveFault[];
  readonly partitions: readonly ActivePartition[];
  readonly now: number;
}

function ttl(expiresAt: number | undefined, now: number): string {
  const s = secondsLeft(expiresAt, now);
  return s === undefined ? 'until cleared' : `${s}s left`;
}

/** Active faults and partitions, each with its TTL counting down. */
export function FaultsPanel({ faults, partitions, now }: FaultsPanelProps) {
  const theme = useTheme();
  if (faults.length === 0 && partitions.length === 0) {
    return <Text color={theme.color('dim')}>faults: none</Text>;
  }
  return (
    <Box flexDirection="column">
      <Text bold color={theme.color('dim')}>
        FAULTS
      </Text>
      {faults.map((f) => (
        <Text key={f.id}>
          <Text color={theme.color('warn')}>!</Text> {f.target}: {f.summary}{' '}
          <Text color={theme.color('dim')}>({ttl(f.expiresAt, now)})</Text>
        </Text>
      ))}
      {partitions.map((p) => (
        <Text key={p.id}>
          <Text color={theme.color('warn')}>!</Text> partition {p.from} -/- {p.to}{' '}
          <Text color={theme.color('dim')}>({ttl(p.expiresAt, now)})</Text>
        </Text>
      ))}
    </Box>
  );
}
