import { describe, expect, it } from 'vitest';
import { foldComposeLine, initialProgress } from './compose-progress.js';
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
