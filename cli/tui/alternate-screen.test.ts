import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { alternateScreen, ENTER_ALTERNATE_SCREEN, LEAVE_ALTERNATE_SCREEN } from './alternate-screen.js';

/** A terminal (or a pipe) that records what is written to it. */
function fakeStream(isTTY: boolean): { isTTY: boolean; written: string[]; write(chunk: string): boolean } {
  return {
    isTTY,
    written: [],
    write(chunk: string) {
      this.written.push(chunk);
      return true;
    },
  };
}

describe('alternateScreen', () => {
  it('enters before the block draws and leaves after it, in order', () => {
    const stream = fakeStream(true);
    const exits = new EventEmitter();
    {
      using _screen = alternateScreen(stream, exits);
      stream.write('frame');
    }
    expect(stream.written).toEqual([ENTER_ALTERNATE_SCREEN, 'frame', LEAVE_ALTERNATE_SCREEN]);
    expect(ENTER_ALTERNATE_SCREEN.startsWith('\x1b[?1049h')).toBe(true);
    expect(LEAVE_ALTERNATE_SCREEN).toBe('\x1b[?1049l');
    expect(exits.listenerCount('exit')).toBe(0);
  });

  it('leaves when the block throws', async () => {
    const stream = fakeStream(true);
    const run = async (): Promise<void> => {
      using _screen = alternateScreen(stream, new EventEmitter());
      stream.write('frame');
      await Promise.resolve();
      throw new Error('render failed');
    };
    await expect(run()).rejects.toThrow('render failed');
    expect(stream.written).toEqual([ENTER_ALTERNATE_SCREEN, 'frame', LEAVE_ALTERNATE_SCREEN]);
  });

  it('leaves on process exit (which skips finally blocks), and only once', () => {
    const stream = fakeStream(true);
    const exits = new EventEmitter();
    const screen = alternateScreen(stream, exits);
    exits.emit('exit');
    screen[Symbol.dispose]();
    expect(stream.written).toEqual([ENTER_ALTERNATE_SCREEN, LEAVE_ALTERNATE_SCREEN]);
    expect(exits.listenerCount('exit')).toBe(0);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const stream = fakeStream(false);
    const exits = new EventEmitter();
    {
      using _screen = alternateScreen(stream, exits);
      stream.write('frame');
    }
    expect(stream.written).toEqual(['frame']);
    expect(exits.listenerCount('exit')).toBe(0);
  });
});
