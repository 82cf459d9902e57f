import { describe, expect, it } from 'vitest';
import { renderDoctorReport, runDoctor } from './doctor.js';
import type { Check } from './types.js';

/** A prerequisite that is present or not, and whose fix installs it (or fails). */
function fakeCheck(
  name: string,
  options: { required: boolean; present: boolean; fixWorks?: boolean },
): Check & { applied: number } {
  let present = options.present;
  return {
    name,
    title: name,
    required: options.required,
    purpose: `${name} purpose`,
    fix: `install ${name}`,
    applied: 0,
    async run() {
      return present ? { status: 'ok', detail: `${name} 1.0` } : { status: 'fail', detail: `${name} not found` };
    },
    async apply() {
      this.applied++;
      if (options.fixWorks === false) throw new Error(`${name} mirror unreachable`);
      present = true;
      return `installed ${name}`;
    },
  };
}

const DEBIAN_ROOT = { uid: 0, osRelease: 'ID=debian\n', hasAptGet: true };

describe('runDoctor', () => {
  it('passes when every required check passes, even with an optional one missing', async () => {
    const report = await runDoctor({
      fix: false,
      onProgress: () => {},
      checks: [
        fakeCheck('engine', { required: true, present: true }),
        fakeCheck('consul', { required: false, present: false }),
      ],
    });
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.status)).toEqual(['ok', 'missing']);
    expect(report.checks[1]!.fix).toBe('install consul');
    expect(report.fixed).toBeUndefined();
  });

  it('fails when a required check fails and prints its exact fix', async () => {
    const report = await runDoctor({
      fix: false,
      onProgress: () => {},
      checks: [fakeCheck('engine', { required: true, present: false })],
    });
    expect(report.ok).toBe(false);
    const text = renderDoctorReport(report);
    expect(text).toMatch(/engine\s+FAIL\s+engine not found/);
    expect(text).toContain('  install engine');
    expect(text).toContain('1 required check(s) failed');
  });

  it('--fix with everything present changes nothing and says so', async () => {
    const lines: string[] = [];
    const engine = fakeCheck('engine', { required: true, present: true });
    const report = await runDoctor({ fix: true, onProgress: (l) => lines.push(l), checks: [engine] });
    expect(report.fixed).toEqual([]);
    expect(engine.applied).toBe(0);
    expect(lines.join('\n')).toContain('nothing to fix');
  });

  it('--fix applies only what is missing, reports timing, and checks again', async () => {
    const lines: string[] = [];
    const engine = fakeCheck('engine', { required: true, present: true });
    const compose = fakeCheck('compose', { required: true, present: false });
    const report = await runDoctor({
      fix: true,
      onProgress: (l) => lines.push(l),
      checks: [engine, compose],
      platform: DEBIAN_ROOT,
    });
    expect(engine.applied).toBe(0);
    expect(compose.applied).toBe(1);
    expect(report.ok).toBe(true);
    expect(report.fixed).toEqual([
      { name: 'compose', ok: true, summary: 'installed compose', seconds: expect.any(Number) },
    ]);
    expect(lines.some((l) => /^\[fix\] compose: installed compose \(\d+(\.\d)? s\)$/.test(l))).toBe(true);
  });

  it('--fix records a failed fix and still fails the report', async () => {
    const report = await runDoctor({
      fix: true,
      onProgress: () => {},
      checks: [fakeCheck('compose', { required: true, present: false, fixWorks: false })],
      platform: DEBIAN_ROOT,
    });
    expect(report.ok).toBe(false);
    expect(report.fixed?.[0]).toMatchObject({ name: 'compose', ok: false, summary: 'compose mirror unreachable' });
  });

  it('--fix as a non-root user refuses and says to use sudo', async () => {
    await expect(
      runDoctor({
        fix: true,
        onProgress: () => {},
        checks: [fakeCheck('compose', { required: true, present: false })],
        platform: { ...DEBIAN_ROOT, uid: 1000 },
      }),
    ).rejects.toMatchObject({ fix: expect.stringContaining('sudo') });
  });
});
