import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import type { MeshActions } from './actions.js';
import { App } from './App.js';
import type { ExitRequest } from './App.js';
import { SHOP_LAYOUT, T0, healthyShop } from './state/fixtures.js';
import { reduce } from './state/reduce.js';
import type { FaultDraft } from './state/types.js';

const ESC = String.fromCharCode(27);
const KEY = { down: '\u001B[B', up: '\u001B[A', enter: '\r', esc: '\u001B' };

/** A log source the test writes to: every followed container, with whether it was stopped. */
interface FakeLog {
  readonly instance: string;
  readonly sidecar: boolean;
  readonly write: (line: string) => void;
  stopped: boolean;
}

/** Records what the UI asked the mesh to do; every action succeeds. */
function fakeActions() {
  const calls: string[] = [];
  const logs: FakeLog[] = [];
  const rec =
    (name: string) =>
    async (...args: unknown[]) => {
      calls.push(
        `${name} ${args.map((a) => (typeof a === 'object' ? JSON.stringify(a) : String(a))).join(' ')}`.trim(),
      );
    };
  const actions: MeshActions = {
    kill: rec('kill'),
    stop: rec('stop'),
    start: rec('start'),
    restart: rec('restart'),
    pause: rec('pause'),
    unpause: rec('unpause'),
    addFault: rec('addFault') as (t: string, f: FaultDraft) => Promise<void>,
    clearFaults: rec('clearFaults'),
    clearAllFaults: rec('clearAllFaults'),
    partition: rec('partition'),
    scale: rec('scale'),
    setRate: rec('setRate'),
    pauseTraffic: rec('pauseTraffic'),
    resumeTraffic: rec('resumeTraffic'),
    down: rec('down'),
    followLogs: async (instance, sidecar, onLine) => {
      const log: FakeLog = { instance, sidecar, write: onLine, stopped: false };
      logs.push(log);
      let end: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (end = resolve));
      return {
        stop: () => {
          log.stopped = true;
          end();
        },
        done,
      };
    },
  };
  return { actions, calls, logs };
}

function mount(options: { yes?: boolean; noColor?: boolean } = {}) {
  const { actions, calls, logs } = fakeActions();
  const exits: ExitRequest[] = [];
  const initial = reduce(healthyShop(), {
    type: 'metrics',
    now: T0,
    reachable: true,
    services: { catalog: { rps: 12.5, success: 0.98, p50Ms: 3, p99Ms: 40 } },
    instances: {},
    client: { rps: 19.8, success: 0.995, p50Ms: 5, p99Ms: 48, targetRate: 20, paused: false },
  });
  const ui = render(
    <App
      layout={SHOP_LAYOUT}
      actions={actions}
      yes={options.yes ?? false}
      noColor={options.noColor ?? false}
      onExit={(r) => exits.push(r)}
      now={() => T0}
      initial={initial}
    />,
  );
  const frame = () => ui.lastFrame() ?? '';
  /** Writes keys one at a time, waiting for Ink to take each, then for `text` to appear. */
  async function press(keys: readonly string[], text: string): Promise<void> {
    for (const k of keys) {
      // One turn of the event loop: React runs the effects of the last render (a dialog the previous
      // key opened registers its input handler there) before the next key arrives.
      await new Promise((resolve) => setTimeout(resolve, 0));
      ui.stdin.write(k);
    }
    await vi.waitFor(() => expect(frame()).toContain(text), { timeout: 2000, interval: 10 });
  }
  return { ui, frame, press, calls, exits, logs };
}

afterEach(() => cleanup());

describe('App', () => {
  it('shows services with health and traffic, and what clients see', () => {
    const { frame } = mount();
    expect(frame()).toContain('meshdev shop');
    expect(frame()).toMatch(/catalog\s+3\/3\s+12\.5\s+98\.0%\s+3\.0ms\s+40ms/);
    expect(frame()).toContain('clients: 19.8 rps · success 99.5%');
    expect(frame()).toContain('q quit');
  });

  it('moves the selection down and drills into the instances of catalog', async () => {
    const { press, frame } = mount();
    await press([KEY.down], '> catalog');
    await press([KEY.enter], '> catalog-1');
    await press(['j'], '> catalog-2');
    expect(frame()).toContain('CATALOG INSTANCE');
  });

  it('kills the selected instance only after confirmation', async () => {
    const { press, calls, frame } = mount();
    await press([KEY.down], '> catalog');
    await press([KEY.enter], '> catalog-1');
    await press(['j'], '> catalog-2');
    await press(['x'], 'kill catalog-2?');
    expect(calls).toEqual([]);
    await press(['y'], 'kill catalog-2');
    await vi.waitFor(() => expect(calls).toEqual(['kill catalog-2']));
    await vi.waitFor(() => expect(frame()).toMatch(/ui\s+kill catalog-2/));
  });

  it('cancelling the confirmation does nothing', async () => {
    const { press, calls, frame } = mount();
    await press([KEY.down, KEY.enter], '> catalog-1');
    await press(['r'], 'restart catalog-1?');
    await press(['n'], 'EVENTS');
    expect(frame()).not.toContain('restart catalog-1?');
    expect(calls).toEqual([]);
  });

  it('with --yes a kill runs without asking', async () => {
    const { press, calls } = mount({ yes: true });
    await press([KEY.down, KEY.enter], '> catalog-1');
    ui_noop();
    await press(['x'], 'kill catalog-1');
    await vi.waitFor(() => expect(calls).toEqual(['kill catalog-1']));
  });

  it('injects a preset fault on the selected service through the fault menu', async () => {
    const { press, calls } = mount();
    await press([KEY.down], '> catalog');
    await press(['f'], 'fault on catalog');
    await press([KEY.down], 'abort 503, 50%');
    await press([KEY.enter], 'fault catalog: abort 503 50% for 60s');
    await vi.waitFor(() =>
      expect(calls).toEqual(['addFault catalog {"kind":"abort","value":503,"percent":50,"ttlMs":60000}']),
    );
  });

  it('builds a custom fault with the form: kind, value, percent, TTL', async () => {
    const { press, calls } = mount();
    await press([KEY.down, KEY.enter], '> catalog-1');
    await press(['f'], 'fault on catalog-1');
    for (let i = 0; i < 7; i++) await press([KEY.down], 'custom');
    await press([KEY.enter], 'abort: answer with an HTTP status');
    await press([KEY.down], '❯ delay');
    await press([KEY.enter], 'milliseconds:');
    await press(['\u007F', '\u007F', '\u007F', '2', '5', '0'], 'milliseconds: 250');
    await press([KEY.enter], 'percent of requests:');
    await press([KEY.enter], 'TTL:');
    await press([KEY.enter], 'fault catalog-1: delay 250ms for 60s');
    await vi.waitFor(() =>
      expect(calls).toEqual(['addFault catalog-1 {"kind":"delay","value":250,"percent":100,"ttlMs":60000}']),
    );
  });

  it("l follows the selected instance's logs in a pane, s switches to its sidecar, Esc goes back", async () => {
    const { press, frame, logs } = mount();
    await press([KEY.down, KEY.enter], '> catalog-1');
    await press(['j'], '> catalog-2');
    await press(['l'], 'LOGS catalog-2 app');
    await vi.waitFor(() => expect(logs.map((l) => `${l.instance}/${l.sidecar}`)).toEqual(['catalog-2/false']));
    logs[0]!.write('GET /products 200 3ms');
    logs[0]!.write('\u001b[31mboom\u001b[0m in red');
    await vi.waitFor(() => expect(frame()).toContain('GET /products 200 3ms'));
    await vi.waitFor(() => expect(frame()).toContain('boom in red'));
    expect(frame()).not.toContain('EVENTS');
    await press(['s'], 'LOGS catalog-2 sidecar');
    await vi.waitFor(() => expect(logs.map((l) => `${l.instance}/${l.sidecar}`)).toContain('catalog-2/true'));
    expect(logs[0]!.stopped).toBe(true);
    logs[1]!.write('{"event":"registered"}');
    await vi.waitFor(() => expect(frame()).toContain('{"event":"registered"}'));
    expect(frame()).not.toContain('GET /products');
    await press([KEY.esc], 'EVENTS');
    expect(frame()).not.toContain('LOGS catalog-2');
    await vi.waitFor(() => expect(logs[1]!.stopped).toBe(true));
  });

  it('+ scales the selected service up at once; - asks first', async () => {
    const { press, calls } = mount();
    await press([KEY.down], '> catalog');
    await press(['+'], 'scale catalog up by one');
    await vi.waitFor(() => expect(calls).toEqual(['scale catalog 1']));
    await press(['-'], 'scale catalog down by one?');
    expect(calls).toEqual(['scale catalog 1']);
    await press(['y'], 'EVENTS');
    await vi.waitFor(() => expect(calls).toEqual(['scale catalog 1', 'scale catalog -1']));
  });

  it('shows every key on ? and closes the overlay with Esc', async () => {
    const { press, frame } = mount();
    await press(['?'], 'quit and bring the mesh down');
    expect(frame()).toContain('partition the service from another');
    ui_noop();
    await press([KEY.esc], 'EVENTS');
    expect(frame()).not.toContain('quit and bring the mesh down');
  });

  it('q asks nothing and exits leaving the mesh up; Q asks before bringing it down', async () => {
    const { press, exits } = mount();
    await press(['Q'], 'quit and bring the mesh down?');
    expect(exits).toEqual([]);
    await press(['y'], 'EVENTS');
    expect(exits).toEqual([{ down: true }]);
    await press(['q'], 'EVENTS');
    await vi.waitFor(() => expect(exits).toEqual([{ down: true }, { down: false }]));
  });

  it('filters services with /', async () => {
    const { press, frame } = mount();
    await press(['/'], 'service or instance');
    await press(['p', 'r', 'i'], '> pricing');
    await vi.waitFor(() => expect(frame()).not.toMatch(/^\s*.?\s?gateway\s/m));
    expect(frame()).toContain('> pricing');
  });

  it('uses colour by default and none under NO_COLOR (state still spelled out)', async () => {
    const chalk = (await import('chalk')).default;
    const level = chalk.level;
    chalk.level = 1;
    try {
      const coloured = mount();
      expect(coloured.frame()).toMatch(new RegExp(`${ESC}\\[3\\dm`));
      cleanup();
      const plain = mount({ noColor: true });
      // Bold stays (NO_COLOR is about colour); no foreground, background or inverse codes.
      expect(plain.frame()).not.toMatch(new RegExp(`${ESC}\\[(3\\d|4\\d|9\\d|7)m`));
      expect(plain.frame()).toMatch(/consul up/);
    } finally {
      chalk.level = level;
    }
  });
});

/** Keeps the flow of a test readable where a step only waits. */
function ui_noop(): void {}
