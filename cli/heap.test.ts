import { describe, expect, it } from 'vitest';
import { runtimeV8FlagsFor } from './heap.js';
import { commandOf } from './program.js';

describe('runtimeV8FlagsFor', () => {
  it('tunes the heap of the commands that keep the dashboard open, and only those', () => {
    expect(runtimeV8FlagsFor(commandOf(['ui', '-f', 'mesh.yaml']))).toBe('--optimize-for-size');
    expect(runtimeV8FlagsFor(commandOf(['--yes', 'up']))).toBe('--optimize-for-size');
    // The standalone proxy is measured for throughput; short commands gain nothing.
    expect(runtimeV8FlagsFor(commandOf(['proxy', '--listen', '127.0.0.1:1']))).toBeUndefined();
    expect(runtimeV8FlagsFor(commandOf(['status']))).toBeUndefined();
    expect(runtimeV8FlagsFor(undefined)).toBeUndefined();
  });
});
