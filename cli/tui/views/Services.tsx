import { Box, Text } from 'ink';
import type { ServiceRow } from '../state/select.js';
import { fit, fmtMs, fmtPct, fmtRps, right, sparkline } from './format.js';
import { useTheme } from './theme.js';

export interface ServicesTableProps {
  readonly rows: readonly ServiceRow[];
  readonly selected: string | undefined;
  readonly focused: boolean;
  readonly width: number;
}

const FIXED = 2 + 14 + 8 + 8 + 8 + 8 + 8 + 1;

/** One line per service: serving/total, rps, success, p50/p99 and a sparkline of rps. */
export function ServicesTable({ rows, selected, focused, width }: ServicesTableProps) {
  const theme = useTheme();
  const sparkWidth = Math.max(0, Math.min(60, width - FIXED));
  return (
    <Box flexDirection="column">
      <Text bold color={theme.color('dim')}>
        {'  '}
        {fit('SERVICE', 14)}
        {right('UP', 8)}
        {right('RPS', 8)}
        {right('OK', 8)}
        {right('P50', 8)}
        {right('P99', 8)} {sparkWidth > 0 ? 'TRAFFIC' : ''}
      </Text>
      {rows.length === 0 ? <Text color={theme.color('dim')}> no service matches the filter</Text> : null}
      {rows.map((r) => {
        const isSel = r.name === selected;
        const up = r.serving === r.total ? 'ok' : r.serving === 0 ? 'bad' : 'warn';
        const ok = r.stats?.success;
        const okMeaning = ok === undefined ? 'dim' : ok >= 0.99 ? 'ok' : ok >= 0.9 ? 'warn' : 'bad';
        return (
          <Text key={r.name} bold={isSel && focused} inverse={isSel && focused && !theme.noColor}>
            {isSel ? '>' : ' '}
            {r.faulted ? '!' : ' '}
            {fit(r.name, 14)}
            <Text color={theme.color(up)}>{right(`${r.serving}/${r.total}`, 8)}</Text>
            {right(fmtRps(r.stats?.rps), 8)}
            <Text color={theme.color(okMeaning)}>{right(fmtPct(ok), 8)}</Text>
            {right(fmtMs(r.stats?.p50Ms), 8)}
            {right(fmtMs(r.stats?.p99Ms), 8)}{' '}
            <Text color={theme.color('accent')}>{sparkline(r.spark, sparkWidth)}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
