import { Box, Text } from 'ink';
import type { InstanceRow } from '../state/select.js';
import { fit, fmtPct, fmtRps, right } from './format.js';
import { stateMeaning, useTheme } from './theme.js';

export interface InstancesTableProps {
  readonly service: string;
  readonly rows: readonly InstanceRow[];
  readonly selected: string | undefined;
  readonly focused: boolean;
}

/** The selected service's instances: container state, Consul health, ejections, load. */
export function InstancesTable({ service, rows, selected, focused }: InstancesTableProps) {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      <Text bold color={theme.color('dim')}>
        {'  '}
        {fit(`${service.toUpperCase()} INSTANCE`, 18)}
        {fit('CONTAINER', 11)}
        {fit('CONSUL', 10)}
        {right('EJECTED', 8)}
        {right('ACTIVE', 7)}
        {right('RPS', 8)}
        {right('OK', 8)}
      </Text>
      {rows.map((r) => {
        const isSel = focused && r.id === selected;
        const app = r.containers?.app ?? 'missing';
        const sidecarDown = r.containers !== undefined && r.containers.sidecar !== 'running';
        const ejected = r.outliers?.ejectedBy.length ?? 0;
        return (
          <Text key={r.id} bold={isSel} inverse={isSel && !theme.noColor}>
            {isSel ? '>' : ' '} {fit(r.id, 18)}
            <Text color={theme.color(stateMeaning(app))}>{fit(sidecarDown ? `${app}*` : app, 11)}</Text>
            <Text color={theme.color(stateMeaning(r.health ?? 'unknown'))}>{fit(r.health ?? 'unknown', 10)}</Text>
            <Text color={theme.color(ejected > 0 ? 'bad' : 'dim')}>
              {right(ejected > 0 ? `by ${ejected}` : '-', 8)}
            </Text>
            {right(r.outliers?.active === undefined ? '-' : String(r.outliers.active), 7)}
            {right(fmtRps(r.stats?.rps), 8)}
            {right(fmtPct(r.stats?.success), 8)}
          </Text>
        );
      })}
    </Box>
  );
}
