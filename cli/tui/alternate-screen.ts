/**
 * The terminal's alternate screen, as htop and less use it: the dashboard draws on a screen of its
 * own, and what was on the terminal before (the step list and summary of `meshdev up`) is back when
 * it ends. Ink 6 has no option for this, so the escapes are written here.
 */

/** Save the cursor, switch to the alternate screen (xterm's 1049); then clear it and home the cursor. */
export const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h\x1b[2J\x1b[H';
/** Back to the main screen, with the cursor where it was. */
export const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';

export interface ScreenStream {
  readonly isTTY?: boolean;
  write(chunk: string): unknown;
}

/** Where the last-chance `exit` event comes from (the process; a fake in tests). */
export interface ExitEvents {
  on(event: 'exit', listener: () => void): unknown;
  off(event: 'exit', listener: () => void): unknown;
}

/**
 * Switches `stream` to the alternate screen until disposed: `using _screen = alternateScreen(...)`
 * leaves it on every way out of the block (return, exception). A `process.exit()` skips `finally`
 * blocks, so the process's `exit` event leaves it too. Leaving happens once; nothing is written
 * when `stream` is not a terminal.
 */
export function alternateScreen(stream: ScreenStream, exitEvents: ExitEvents = process): Disposable {
  if (stream.isTTY !== true) return { [Symbol.dispose]: () => {} };
  let active = true;
  const leave = (): void => {
    if (!active) return;
    active = false;
    exitEvents.off('exit', leave);
    stream.write(LEAVE_ALTERNATE_SCREEN);
  };
  stream.write(ENTER_ALTERNATE_SCREEN);
  exitEvents.on('exit', leave);
  return { [Symbol.dispose]: leave };
}
