import { describe, expect, it } from 'vitest';
import {
  finishUpProgress,
  foldComposeLine,
  foldUpCompose,
  foldUpLine,
  initialProgress,
  INITIAL_UP_PROGRESS,
} from './compose-progress.js';
import type { ComposeProgressState } from './compose-progress.js';

function run(total: number, lines: string[]): string[] {
  let state: ComposeProgressState = initialProgress(total);
  const out: string[] = [];
  for (const line of lines) {
    const r = foldComposeLine(state, line);
    state = r.state;
    if (r.print !== undefined) out.push(r.print);
  }
  return out;
}

describe('foldComposeLine', () => {
  it('turns per-container steps into counts', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const lines = [
      ' Network meshdev-shop_mesh  Creating',
      ...names.map((n) => ` Container ${n}  Creating`),
      ...names.map((n) => ` Container ${n}  Created`),
      ...names.map((n) => ` Container ${n}  Started`),
      ...names.map((n) => ` Container ${n}  Waiting`),
      ...names.map((n) => ` Container ${n}  Healthy`),
    ];
    expect(run(5, lines)).toEqual(['started 5/5', 'healthy 5/5']);
  });

  it('passes errors and unknown lines through', () => {
    expect(
      run(2, ['container meshdev-shop-prometheus exited (2)', ' Container x  Error', 'Step 1/4 : FROM node']),
    ).toEqual(['container meshdev-shop-prometheus exited (2)', 'Container x  Error', 'Step 1/4 : FROM node']);
  });

  it('reports removals every five and at the end', () => {
    const lines = Array.from({ length: 7 }, (_, i) => ` Container c${i}  Removed`);
    expect(run(7, lines)).toEqual(['removed 5 containers', 'removed 7 containers']);
  });
});

describe('foldUpLine / foldUpCompose: the step list of `up` on a terminal', () => {
  const fold = (lines: string[]) => lines.reduce(foldUpLine, INITIAL_UP_PROGRESS);

  it('follows a pull, the Compose file, containers and the health wait, one running step at a time', () => {
    let s = fold(['pulling hashicorp/consul:1.20', '1/4 layers done, 10.0/40.0 MB downloaded']);
    expect(s.steps).toEqual([
      {
        key: 'image:hashicorp/consul:1.20',
        label: 'pull hashicorp/consul:1.20',
        state: 'running',
        detail: '1/4 layers done, 10.0/40.0 MB downloaded',
        ratio: 0.25,
      },
    ]);
    s = foldUpLine(s, 'rendered /x/.meshdev/shop/compose.yaml');
    expect(s.steps.map((x) => `${x.key}:${x.state}`)).toEqual(['image:hashicorp/consul:1.20:done', 'render:done']);
    let compose = initialProgress(4);
    compose = foldComposeLine(compose, ' Container a  Started').state;
    s = foldUpCompose(s, compose);
    expect(s.steps.at(-1)).toMatchObject({ key: 'containers', state: 'running', detail: '1/4 started', ratio: 0.25 });
    s = foldUpLine(s, 'started 5/12'); // the condensed count line: already shown by the bar
    s = foldUpLine(s, 'waiting for consul: not passing yet: catalog-2');
    expect(s.steps.map((x) => `${x.key}:${x.state}`)).toEqual([
      'image:hashicorp/consul:1.20:done',
      'render:done',
      'containers:done',
      'health:running',
    ]);
    // Compose may report after the wait started; the finished step stays finished.
    expect(foldUpCompose(s, compose)).toBe(s);
    expect(s.notes).toEqual([]);
    expect(finishUpProgress(s, false).steps.at(-1)).toMatchObject({ key: 'health', state: 'failed' });
    expect(finishUpProgress(s, true).steps.every((x) => x.state === 'done')).toBe(true);
  });

  it('drops a pull that failed over to air-gapped mode, keeping the notice', () => {
    const s = fold([
      'pulling node:20',
      'No registry answered (pulling node:20 failed after 0 s: no such host): switching to air-gapped mode',
    ]);
    expect(s.steps).toEqual([]);
    expect(s.notes).toHaveLength(1);
  });

  it('shows build steps as the build step detail and keeps notices and errors as notes', () => {
    const s = fold([
      'no registry answered; using local images (air-gapped mode)',
      'building meshdev/runtime:abc FROM node:20',
      'Step 2/4 : RUN apt-get install -y nodejs',
      'Setting up nodejs (20.19) ...',
    ]);
    expect(s.notes).toEqual(['no registry answered; using local images (air-gapped mode)']);
    expect(s.steps).toEqual([
      {
        key: 'image:meshdev/runtime:abc',
        label: 'build meshdev/runtime:abc',
        state: 'running',
        detail: 'Setting up nodejs (20.19) ...',
        ratio: 0.25,
      },
    ]);
    expect(foldUpLine(s, 'built meshdev/runtime:abc in 12.0 s').steps[0]).toMatchObject({
      state: 'done',
      detail: 'in 12.0 s',
    });
  });

  it('shows debootstrap as one step whose bar follows its share done, not as notes', () => {
    const s = fold([
      'building meshdev/debian:trixie with debootstrap (trixie minbase from http://deb.debian.org/debian, about 30 s)',
      'meshdev/debian:trixie: downloading packages 23/78, 32.8 MB (17%)',
      'meshdev/debian:trixie: unpacking packages 34/78 (71%)',
    ]);
    expect(s.notes).toEqual([]);
    expect(s.steps).toEqual([
      {
        key: 'image:meshdev/debian:trixie',
        label: 'build meshdev/debian:trixie',
        state: 'running',
        detail: 'unpacking packages 34/78 (71%)',
        ratio: 0.71,
      },
    ]);
    const imported = foldUpLine(s, 'meshdev/debian:trixie: importing the root filesystem (about 210 MB, streamed)');
    expect(imported.steps[0]).toMatchObject({ state: 'running', ratio: 0.71 });
  });
});
