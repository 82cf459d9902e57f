import { createContext, useContext } from 'react';

/**
 * Colours by meaning, or none at all under NO_COLOR: every state is also spelled out in text, so
 * nothing is conveyed by colour alone.
 */
export interface Theme {
  readonly noColor: boolean;
  color(meaning: 'ok' | 'warn' | 'bad' | 'dim' | 'accent'): string | undefined;
}

const COLORS = { ok: 'green', warn: 'yellow', bad: 'red', dim: 'gray', accent: 'cyan' } as const;

export function makeTheme(noColor: boolean): Theme {
  return { noColor, color: (m) => (noColor ? undefined : COLORS[m]) };
}

export const ThemeContext = createContext<Theme>(makeTheme(false));

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

/** Colour meaning of a container or health state. */
export function stateMeaning(state: string | undefined): 'ok' | 'warn' | 'bad' | 'dim' {
  switch (state) {
    case 'running':
    case 'passing':
    case 'up':
      return 'ok';
    case 'paused':
    case 'warning':
    case 'restarting':
    case 'created':
    case 'unknown':
      return 'warn';
    case undefined:
      return 'dim';
    default:
      return 'bad';
  }
}
