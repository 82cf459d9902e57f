import { describe, expect, it } from 'vitest';
import type { UiAction } from './actions.js';
import { T0, healthyShop } from './fixtures.js';
import { keyIntent } from './keys.js';
import { reduce } from './reduce.js';
import type { UiState } from './types.js';

const at = (state: UiState, ...actions: UiAction[]) => actions.reduce(reduce, state);
const onCatalog2 = at(healthyShop(), { type: 'move', delta: 1 }, { type: 'drill-in' }, { type: 'move', delta: 1 });
const opts = { yes: false, now: T0 };

describe('keyIntent', () => {
  it('maps arrows and vi keys to moves, Enter/right to drill in, left/Esc to back', () => {
    const s = healthyShop();
    expect(keyIntent(s, 'j', {}, opts)).toEqual({ kind: 'dispatch', action: { type: 'move', delta: 1 } });
    expect(keyIntent(s, '', { upArrow: true }, opts)).toEqual({
      kind: 'dispatch',
      action: { type: 'move', delta: -1 },
    });
    expect(keyIntent(s, '', { return: true }, opts)).toEqual({ kind: 'dispatch', action: { type: 'drill-in' } });
    expect(keyIntent(s, '', { escape: true }, opts)).toEqual({ kind: 'dispatch', action: { type: 'back' } });
  });

  it('asks before killing the selected instance, and runs it straight away with --yes', () => {
    expect(keyIntent(onCatalog2, 'x', {}, opts)).toEqual({
      kind: 'dispatch',
      action: {
        type: 'open',
        modal: { kind: 'confirm', command: { type: 'kill', instance: 'catalog-2' }, prompt: 'kill catalog-2?' },
      },
    });
    expect(keyIntent(onCatalog2, 'x', {}, { ...opts, yes: true })).toEqual({
      kind: 'run',
      command: { type: 'kill', instance: 'catalog-2' },
    });
  });

  it('needs an instance for container actions when only a service is selected', () => {
    const intent = keyIntent(healthyShop(), 'x', {}, opts);
    expect(intent).toMatchObject({ kind: 'dispatch', action: { type: 'log', event: { level: 'warn' } } });
  });

  it('s stops a running instance and starts a stopped one; p toggles pause', () => {
    const stopped = {
      ...onCatalog2,
      containers: { ...onCatalog2.containers, 'catalog-2': { app: 'exited', sidecar: 'running' } },
    };
    const paused = {
      ...onCatalog2,
      containers: { ...onCatalog2.containers, 'catalog-2': { app: 'paused', sidecar: 'running' } },
    };
    const y = { ...opts, yes: true };
    expect(keyIntent(onCatalog2, 's', {}, y)).toEqual({
      kind: 'run',
      command: { type: 'stop', instance: 'catalog-2' },
    });
    expect(keyIntent(stopped, 's', {}, opts)).toEqual({
      kind: 'run',
      command: { type: 'start', instance: 'catalog-2' },
    });
    expect(keyIntent(paused, 'p', {}, opts)).toEqual({
      kind: 'run',
      command: { type: 'unpause', instance: 'catalog-2' },
    });
  });

  it('opens the fault menu for the instance when drilled in, for the service otherwise', () => {
    expect(keyIntent(onCatalog2, 'f', {}, opts)).toEqual({
      kind: 'dispatch',
      action: { type: 'open', modal: { kind: 'fault-menu', target: 'catalog-2' } },
    });
    const onCatalog = at(healthyShop(), { type: 'move', delta: 1 });
    expect(keyIntent(onCatalog, 'f', {}, opts)).toMatchObject({ action: { modal: { target: 'catalog' } } });
  });

  it('q quits at once, Q (down) asks first', () => {
    expect(keyIntent(healthyShop(), 'q', {}, opts)).toEqual({ kind: 'run', command: { type: 'quit', down: false } });
    expect(keyIntent(healthyShop(), 'Q', {}, opts)).toMatchObject({
      action: { type: 'open', modal: { kind: 'confirm', command: { type: 'quit', down: true } } },
    });
  });

  it('ignores main-screen keys while a dialog is open, except Esc which closes it', () => {
    const s = at(healthyShop(), { type: 'open', modal: { kind: 'traffic' } });
    expect(keyIntent(s, 'x', {}, opts)).toEqual({ kind: 'none' });
    expect(keyIntent(s, 'q', {}, opts)).toEqual({ kind: 'none' });
    expect(keyIntent(s, '', { escape: true }, opts)).toEqual({ kind: 'dispatch', action: { type: 'close' } });
  });
});
