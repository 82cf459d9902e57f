import { Box, Text } from 'ink';
import { KEY_HELP } from '../state/keys.js';
import { useTheme } from './theme.js';

/** Every key, on `?`. Esc or `?` closes it. */
export function HelpOverlay({ yes }: { readonly yes: boolean }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>keys</Text>
      {KEY_HELP.map((k) => (
        <Text key={k.keys}>
          <Text color={theme.color('accent')}>{k.keys.padEnd(13)}</Text> {k.what}
        </Text>
      ))}
      <Text color={theme.color('dim')}>
        {yes ? 'started with --yes: no confirmations' : 'destructive actions ask first (--yes skips)'} · Esc closes
      </Text>
    </Box>
  );
}
