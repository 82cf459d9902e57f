import { describe, expect, it } from 'vitest';
import { causeOf, commandLine, pipeCommands, PipeError } from './pipe.js';
import type { PipeFailure } from './pipe.js';

const failure = (side: 'from' | 'to', stderr: string): PipeFailure => ({ side, command: side, exitCode: 1, stderr });

describe('pipeCommands', () => {
  it('streams more than execa keeps by default (100 MB) without holding it', { timeout: 30_000 }, async () => {
    const bytes = 300_000_000;
    const before = process.memoryUsage().rss;
    // The reader checks it saw every byte: a copy cut at 100 MB (execa's maxBuffer) fails here.
    await pipeCommands(
      { file: 'head', args: ['-c', String(bytes), '/dev/zero'] },
      { file: 'sh', args: ['-c', `n=$(wc -c); test "$n" = ${bytes} || { echo "got $n" >&2; exit 1; }`] },
    );
    // Streamed, not kept: far less than the 300 MB that went through.
    expect(process.memoryUsage().rss - before).toBeLessThan(120_000_000);
  });

  it('names the writer, its exit code and its stderr when the writer fails', async () => {
    const err = await pipeCommands(
      { file: 'sh', args: ['-c', 'echo "tar: disk read error" >&2; exit 3'] },
      { file: 'cat', args: [] },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipeError);
    expect((err as PipeError).failure).toMatchObject({ side: 'from', exitCode: 3, stderr: 'tar: disk read error' });
    expect((err as Error).message).toBe(
      `sh -c 'echo "tar: disk read error" >&2; exit 3' failed (exit 3): tar: disk read error`,
    );
  });

  it('names the reader when the reader fails, not the writer it cut off', async () => {
    const err = await pipeCommands(
      { file: 'head', args: ['-c', '50000000', '/dev/zero'] },
      { file: 'sh', args: ['-c', 'head -c 10 >/dev/null; echo "no space left on device" >&2; exit 5'] },
    ).catch((e: unknown) => e);
    expect((err as PipeError).failure).toMatchObject({ side: 'to', exitCode: 5, stderr: 'no space left on device' });
  });

  it('says when a command cannot be started', async () => {
    const err = await pipeCommands({ file: 'meshdev-no-such-command', args: [] }, { file: 'cat', args: [] }).catch(
      (e: unknown) => e,
    );
    expect((err as PipeError).failure.side).toBe('from');
    expect((err as Error).message).toMatch(/meshdev-no-such-command failed.*ENOENT/s);
  });

  it('stops both sides when its signal is aborted', async () => {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 200);
    const err = await pipeCommands(
      { file: 'sleep', args: ['30'] },
      { file: 'cat', args: [] },
      { signal: abort.signal },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipeError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('causeOf', () => {
  it('blames the reader when the writer only saw its pipe break', () => {
    const from = failure('from', "head: error writing 'standard output': Broken pipe");
    const to = failure('to', 'Error processing tar file(exit status 1): no space left on device');
    expect(causeOf(from, to)).toBe(to);
  });

  it('blames the writer when the reader only saw a truncated stream', () => {
    const from = failure('from', 'tar: ./usr/bin: Cannot open: Permission denied');
    const to = failure('to', 'Error processing tar file(exit status 1): unexpected EOF');
    expect(causeOf(from, to)).toBe(from);
  });

  it('reports the one side that failed', () => {
    expect(causeOf(undefined, failure('to', 'x'))?.side).toBe('to');
    expect(causeOf(undefined, undefined)).toBeUndefined();
  });
});

describe('commandLine', () => {
  it('quotes what a shell would need quoted', () => {
    expect(
      commandLine({ file: 'docker', args: ['import', '--change', 'CMD ["bash"]', '-', 'meshdev/debian:trixie'] }),
    ).toBe(`docker import --change 'CMD ["bash"]' - meshdev/debian:trixie`);
  });
});
