import { EventEmitter } from 'node:events';
import { render } from 'ink';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { MeshActions } from './actions.js';
import { App } from './App.js';
import { alternateScreen } from './alternate-screen.js';
import { SHOP_LAYOUT, healthyShop } from './state/fixtures.js';
import { startUpProgress } from './UpProgress.js';

// Ink draws only the last frame when it believes it runs in CI (it reads CI once, when loaded), and
// `meshdev ui` sets CI=false before loading it (cli/commands/ui.ts); so does this test, which
// watches the frames as a terminal would. vi.hoisted runs before the imports above load Ink; the
// variable is put back for the test files that run after this one in the same worker.
const ciBefore = vi.hoisted(() => {
  const before = process.env.CI;
  process.env.CI = 'false';
  return before;
});
afterAll(() => {
  if (ciBefore === undefined) delete process.env.CI;
  else process.env.CI = ciBefore;
});

/**
 * What the terminal shows when `meshdev up` opens the dashboard: the start-up steps (Ink, on
 * stderr) and the summary are written first, then the dashboard takes the screen. None of that
 * text may stay on or under the dashboard, on a terminal with an alternate screen or on one
 * without (GNU screen's default, tmux with alternate-screen off); leaving brings it back where
 * the terminal can.
 */

/**
 * A terminal screen, as far as the sequences Ink and the alternate screen use: text, CR/LF (a
 * tty turns LF into CR LF), cursor up/down/column/home, erase line and screen, the alternate
 * screen (1049) when `alternate` is on; colours and modes are ignored.
 */
class VirtualTerminal extends EventEmitter {
  readonly isTTY = true;
  private main: string[][];
  private saved: { buffer: string[][]; row: number; col: number } | undefined;
  private screen: string[][];
  private row = 0;
  private col = 0;

  constructor(
    readonly columns: number,
    readonly rows: number,
    private readonly alternate: boolean,
  ) {
    super();
    this.main = this.blank();
    this.screen = this.main;
  }

  private blank(): string[][] {
    return Array.from({ length: this.rows }, () => Array<string>(this.columns).fill(' '));
  }

  /** The visible lines, trailing blanks trimmed. */
  lines(): string[] {
    return this.screen.map((r) => r.join('').trimEnd());
  }

  write = (chunk: string | Uint8Array): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    // eslint-disable-next-line no-control-regex -- reading escape sequences is the point
    const re = /\x1b\[([?]?)([0-9;]*)([A-Za-z])|\x1b[^[]|\r|\n|[^\x1b\r\n]/gu;
    for (const m of text.matchAll(re)) {
      const [all, privateMark, params, final] = m;
      if (all === '\n') this.lineFeed();
      else if (all === '\r') this.col = 0;
      else if (final !== undefined) this.csi(privateMark === '?', params ?? '', final);
      else if (!all.startsWith('\x1b')) this.put(all);
    }
    return true;
  };

  private put(ch: string): void {
    if (this.col >= this.columns) {
      this.lineFeed();
    }
    this.screen[this.row]![this.col] = ch;
    this.col++;
  }

  private lineFeed(): void {
    this.col = 0;
    if (this.row < this.rows - 1) this.row++;
    else {
      this.screen.shift();
      this.screen.push(Array<string>(this.columns).fill(' '));
    }
  }

  private csi(isPrivate: boolean, params: string, final: string): void {
    const n = params === '' ? undefined : Number(params.split(';')[0]);
    if (isPrivate) {
      if (params === '1049' && this.alternate) {
        if (final === 'h' && this.saved === undefined) {
          this.saved = { buffer: this.main, row: this.row, col: this.col };
          this.screen = this.blank();
        } else if (final === 'l' && this.saved !== undefined) {
          this.screen = this.main = this.saved.buffer;
          this.row = this.saved.row;
          this.col = this.saved.col;
          this.saved = undefined;
        }
      }
      return;
    }
    switch (final) {
      case 'A':
        this.row = Math.max(0, this.row - (n ?? 1));
        return;
      case 'B':
        this.row = Math.min(this.rows - 1, this.row + (n ?? 1));
        return;
      case 'G':
        this.col = Math.max(0, (n ?? 1) - 1);
        return;
      case 'H':
      case 'f': {
        const [r, c] = params.split(';').map((p) => (p === '' ? 1 : Number(p)));
        this.row = (r ?? 1) - 1;
        this.col = (c ?? 1) - 1;
        return;
      }
      case 'J':
        if (n === 2 || n === 3) this.screen.forEach((r) => r.fill(' '));
        else if (n === undefined || n === 0) {
          this.screen[this.row]!.fill(' ', this.col);
          for (let r = this.row + 1; r < this.rows; r++) this.screen[r]!.fill(' ');
        }
        return;
      case 'K':
        if (n === 2) this.screen[this.row]!.fill(' ');
        else if (n === 1) this.screen[this.row]!.fill(' ', 0, this.col + 1);
        else this.screen[this.row]!.fill(' ', this.col);
        return;
    }
  }
}

/** Keys for Ink's useInput: a tty that never types. */
class SilentStdin extends EventEmitter {
  readonly isTTY = true;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): null {
    return null;
  }
}

const NO_ACTIONS = new Proxy({}, { get: () => async () => undefined }) as MeshActions;
const STARTUP = ['starting mesh shop from /work/mesh.yaml', 'mesh shop is up (12s)', 'stop it with: meshdev down'];

async function startUpThenDashboard(term: VirtualTerminal) {
  const stream = term as unknown as NodeJS.WriteStream;
  term.write(`${STARTUP[0]}\n`);
  const live = startUpProgress(stream, true);
  live.line('Container shop-catalog-1  Started');
  await live.finish(true);
  term.write(`${STARTUP[1]}\n  consul      http://127.0.0.1:8500/ui\n${STARTUP[2]}\n`);
  const screen = alternateScreen(term, new EventEmitter());
  const ui = render(
    <App
      layout={SHOP_LAYOUT}
      actions={NO_ACTIONS}
      yes={false}
      noColor={true}
      onExit={() => {}}
      initial={healthyShop()}
    />,
    {
      stdout: stream,
      stderr: stream,
      stdin: new SilentStdin() as unknown as NodeJS.ReadStream,
      patchConsole: false,
      exitOnCtrlC: false,
    },
  );
  await vi.waitFor(() => expect(term.lines().join('\n')).toContain('q quit'), { timeout: 2000, interval: 10 });
  return {
    leave: async () => {
      ui.unmount();
      await ui.waitUntilExit();
      screen[Symbol.dispose]();
    },
  };
}

const startupShown = (lines: readonly string[]) => STARTUP.filter((s) => lines.some((l) => l.includes(s)));

let leave: (() => Promise<void>) | undefined;
afterEach(async () => {
  await leave?.();
  leave = undefined;
});

describe('the dashboard takes the whole screen', () => {
  it.each([
    ['with an alternate screen', true],
    ['without one', false],
  ])('%s: no start-up text on or under it', async (_name, alternate) => {
    const term = new VirtualTerminal(80, 24, alternate);
    ({ leave } = await startUpThenDashboard(term));
    const lines = term.lines();
    expect(lines[0]).toMatch(/^meshdev shop · docker/);
    expect(startupShown(lines)).toEqual([]);
    const footer = lines.findIndex((l) => l.includes('q quit'));
    expect(lines.slice(footer + 1).every((l) => l === '')).toBe(true);
  });

  it('leaving it brings the start-up text back where the terminal has an alternate screen', async () => {
    const term = new VirtualTerminal(80, 24, true);
    const started = await startUpThenDashboard(term);
    await started.leave();
    expect(startupShown(term.lines())).toEqual(STARTUP);
    expect(term.lines().join('\n')).not.toContain('q quit');
  });
});
