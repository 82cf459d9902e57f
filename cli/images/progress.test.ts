import { describe, expect, it } from 'vitest';
import { applyPullEvent, buildLines, splitJsonLines, summarizePull } from './progress.js';
import type { PullState } from './progress.js';

describe('splitJsonLines', () => {
  it('parses complete lines and keeps the unfinished rest for the next chunk', () => {
    const first = splitJsonLines('', '{"status":"a"}\n{"stat');
    expect(first.events).toEqual([{ status: 'a' }]);
    const second = splitJsonLines(first.rest, 'us":"b"}\n');
    expect(second).toEqual({ events: [{ status: 'b' }], rest: '' });
  });

  it('keeps a non-JSON line as plain output instead of throwing', () => {
    expect(splitJsonLines('', 'oops\n').events).toEqual([{ stream: 'oops' }]);
  });
});

describe('pull progress', () => {
  it('summarises layers and bytes from the engine events', () => {
    let s: PullState = new Map();
    s = applyPullEvent(s, { status: 'Pulling from hashicorp/consul', id: '1.20.6' }); // not a layer
    s = applyPullEvent(s, { status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' });
    s = applyPullEvent(s, { status: 'Pulling fs layer', id: 'bbbbbbbbbbbb' });
    s = applyPullEvent(s, { status: 'Downloading', id: 'aaaaaaaaaaaa', progressDetail: { current: 5e6, total: 10e6 } });
    s = applyPullEvent(s, { status: 'Downloading', id: 'bbbbbbbbbbbb', progressDetail: { current: 1e6, total: 2e6 } });
    expect(summarizePull(s)).toBe('0/2 layers done, 6.0/12.0 MB downloaded');
    s = applyPullEvent(s, { status: 'Pull complete', id: 'bbbbbbbbbbbb' });
    expect(summarizePull(s)).toBe('1/2 layers done, 7.0/12.0 MB downloaded');
  });
});

describe('buildLines', () => {
  it('keeps step lines and output, drops the builder chatter', () => {
    expect(buildLines({ stream: 'Step 2/6 : RUN apt-get update\n' })).toEqual([
      { kind: 'step', text: 'Step 2/6 : RUN apt-get update' },
    ]);
    expect(buildLines({ stream: ' ---> Running in 0a1b\n' })).toEqual([]);
    expect(
      buildLines({ stream: 'Get:1 http://deb.debian.org/debian trixie InRelease\n\u001b[91mwarn\u001b[0m\n' }),
    ).toEqual([
      { kind: 'output', text: 'Get:1 http://deb.debian.org/debian trixie InRelease' },
      { kind: 'output', text: 'warn' },
    ]);
    expect(buildLines({ aux: { ID: 'sha256:x' } })).toEqual([]);
  });
});
