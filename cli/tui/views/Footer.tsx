import { Text } from 'ink';
import { KEY_HELP } from '../state/keys.js';
import { useTheme } from './theme.js';

/** The most used keys on one line; `?` lists the rest. */
export function Footer({ filter, width }: { readonly filter: string; readonly width: number }) {
  const theme = useTheme();
  const keys = footerKeys(width - (filter === '' ? 0 : filter.length + 12));
  return (
    <Text wrap="truncate">
      {filter === '' ? '' : <Text color={theme.color('accent')}>filter "{filter}" · </Text>}
      <Text color={theme.color('dim')}>{keys}</Text>
    </Text>
  );
}

/** As many short keys as fit in `width`, always ending with help and quit. */
export function footerKeys(width: number): string {
  const all = KEY_HELP.filter((k) => k.short !== undefined).map((k) => `${k.keys.split(' ')[0]} ${k.short}`);
  const last = all.slice(-2);
  const picked: string[] = [];
  for (const k of all.slice(0, -2)) {
    if ([...picked, k, ...last].join(' · ').length > width) break;
    picked.push(k);
  }
  return [...picked, ...last].join(' · ');
}
