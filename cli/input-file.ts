import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, stat } from 'node:fs/promises';
import { UsageError } from './errors.js';

/**
 * Reading a file a user names on the command line (a topology, a chaos scenario): only a regular
 * file, of bounded size, read whole. Opening a FIFO for reading blocks until a writer comes, and a
 * device may never end, so the kind is checked before opening and again on the opened descriptor
 * (the path may have been replaced in between); the open is non-blocking so that such a swap cannot
 * hang it either. Every refusal is a `UsageError` (exit 2) naming the file.
 */
export interface InputFileKind {
  /** How messages name it: "topology file", "scenario". */
  readonly what: string;
  readonly maxBytes: number;
  /** Why the limit is what it is (shown with it). */
  readonly maxBytesWhy: string;
  readonly code: string;
  /** What to do when the path cannot be read (missing, no permission). */
  readonly fixUnreadable: string;
  /** What to do instead of passing a pipe or device. */
  readonly fixNotFile: string;
}

export function inputTooLarge(kind: InputFileKind, path: string, size: string): UsageError {
  return new UsageError(
    `${path}: ${size} bytes; a ${kind.what} may have at most ${kind.maxBytes} (${kind.maxBytesWhy})`,
    { code: kind.code, fix: `Pass the ${kind.what} itself; nothing else belongs in it.` },
  );
}

function notRegularFile(kind: InputFileKind, path: string, st: Stats): UsageError | undefined {
  if (st.isFile()) return undefined;
  const found = st.isDirectory()
    ? 'a directory'
    : st.isFIFO()
      ? 'a named pipe (FIFO)'
      : st.isSocket()
        ? 'a socket'
        : st.isCharacterDevice()
          ? 'a character device'
          : st.isBlockDevice()
            ? 'a block device'
            : 'not a file';
  return new UsageError(`${kind.what} ${path} is ${found}, not a regular file`, {
    code: kind.code,
    fix: st.isDirectory() ? `Pass the ${kind.what} inside it (e.g. DIR/file.yaml).` : kind.fixNotFile,
  });
}

/** The bytes of the file at `path`, refusing anything but a regular file of at most `kind.maxBytes`. */
export async function readInputFile(path: string, kind: InputFileKind): Promise<Buffer> {
  const unreadable = (err: unknown) =>
    new UsageError(`cannot read ${kind.what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      code: kind.code,
      fix: kind.fixUnreadable,
    });
  let handle: FileHandle;
  try {
    const refused = notRegularFile(kind, path, await stat(path));
    if (refused !== undefined) throw refused;
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw err instanceof UsageError ? err : unreadable(err);
  }
  try {
    const st = await handle.stat();
    const refused = notRegularFile(kind, path, st);
    if (refused !== undefined) throw refused;
    if (st.size > kind.maxBytes) throw inputTooLarge(kind, path, String(st.size));
    // One byte more than allowed: a file that grew after the stat is still caught.
    const buffer = Buffer.alloc(kind.maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) throw inputTooLarge(kind, path, `more than ${kind.maxBytes}`);
    }
    return buffer.subarray(0, length);
  } catch (err) {
    throw err instanceof UsageError ? err : unreadable(err);
  } finally {
    await handle.close();
  }
}
