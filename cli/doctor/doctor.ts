import { readFile } from 'node:fs/promises';
import { MeshdevError } from '../errors.js';
import { meshdevRootCommand } from '../invocation.js';
import { Apt } from './apt.js';
import { createChecks } from './checks.js';
import { fixEligibility } from './platform.js';
import type { PlatformFacts } from './platform.js';
import type { Check, CheckResult } from './types.js';
import { findExecutable } from './which.js';

export type { Check, CheckResult, CheckStatus, FixContext } from './types.js';

export interface CheckOutcome {
  readonly name: string;
  readonly title: string;
  readonly required: boolean;
  readonly purpose: string;
  readonly status: CheckResult['status'];
  readonly detail: string;
  /** Present when the check did not pass (or warned): the exact commands that fix it. */
  readonly fix?: string;
}

export interface FixStep {
  readonly name: string;
  readonly ok: boolean;
  readonly summary: string;
  readonly seconds: number;
}

export interface DoctorReport {
  /** False when a required check fails (never because of a warning). */
  readonly ok: boolean;
  readonly checks: CheckOutcome[];
  /** Present with --fix: what was done, in order. Empty when nothing needed fixing. */
  readonly fixed?: FixStep[];
}

async function runCheck(check: Check): Promise<CheckOutcome> {
  let result: CheckResult;
  try {
    result = await check.run();
  } catch (err) {
    result = { status: check.required ? 'fail' : 'missing', detail: err instanceof Error ? err.message : String(err) };
  }
  const base = { name: check.name, title: check.title, required: check.required, purpose: check.purpose };
  if (result.status === 'ok') return { ...base, status: 'ok', detail: result.detail };
  if (result.status === 'warn') return { ...base, status: 'warn', detail: result.detail, fix: result.fix ?? check.fix };
  return {
    ...base,
    status: check.required ? 'fail' : 'missing',
    detail: result.detail,
    fix: result.fix ?? check.fix,
  };
}

export async function runChecks(checks: readonly Check[]): Promise<DoctorReport> {
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) outcomes.push(await runCheck(check));
  return { ok: outcomes.every((o) => o.status !== 'fail'), checks: outcomes };
}

export interface DoctorOptions {
  readonly fix: boolean;
  /** Progress lines for --fix (one per step, with timing). */
  readonly onProgress: (line: string) => void;
  /** Injected for tests; defaults to the real prerequisites. */
  readonly checks?: readonly Check[];
  /** Injected for tests; defaults to this machine's uid, /etc/os-release and apt-get. */
  readonly platform?: PlatformFacts;
}

async function readOsRelease(): Promise<string | undefined> {
  return readFile('/etc/os-release', 'utf8').catch(() => undefined);
}

/**
 * Checks every prerequisite; with `fix`, applies the fix of each one that did not pass (in order,
 * so the engine runs before Compose is checked), then checks again. Idempotent: when everything
 * passes, --fix changes nothing and says so. Warnings are the user's to act on: --fix skips them.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const checks = options.checks ?? (await createChecks());
  const first = await runChecks(checks);
  if (!options.fix) return first;

  const toFix = checks.filter((c) => {
    const status = first.checks.find((o) => o.name === c.name)?.status;
    return status !== 'ok' && status !== 'warn';
  });
  if (toFix.length === 0) {
    options.onProgress('nothing to fix: every prerequisite is in place');
    return { ...first, fixed: [] };
  }
  const eligibility = fixEligibility(
    options.platform ?? {
      uid: process.getuid?.(),
      osRelease: await readOsRelease(),
      hasAptGet: (await findExecutable('apt-get')) !== undefined,
    },
  );
  if (!eligibility.ok) {
    throw new MeshdevError('EDOCTORFIX', `${eligibility.reason} (to fix: ${toFix.map((c) => c.name).join(', ')})`, {
      fix: eligibility.fix,
    });
  }

  const apt = new Apt();
  const fixed: FixStep[] = [];
  for (const check of toFix) {
    const started = Date.now();
    const seconds = (): number => Math.round((Date.now() - started) / 100) / 10;
    options.onProgress(`[fix] ${check.name}: ...`);
    if (check.apply === undefined) {
      fixed.push({ name: check.name, ok: false, summary: 'no automatic fix; run the fix shown below', seconds: 0 });
      options.onProgress(`[fix] ${check.name}: no automatic fix`);
      continue;
    }
    try {
      const summary = await check.apply({
        apt,
        progress: (line) => options.onProgress(`      ${check.name}: ${line}`),
      });
      fixed.push({ name: check.name, ok: true, summary, seconds: seconds() });
      options.onProgress(`[fix] ${check.name}: ${summary} (${seconds()} s)`);
    } catch (err) {
      const summary = err instanceof Error ? err.message : String(err);
      fixed.push({ name: check.name, ok: false, summary, seconds: seconds() });
      options.onProgress(`[fix] ${check.name}: FAILED after ${seconds()} s: ${summary}`);
    }
  }
  await apt.cleanup();
  const after = await runChecks(checks);
  return { ...after, fixed };
}

const STATUS_LABEL: Record<CheckResult['status'], string> = {
  ok: 'ok',
  warn: 'WARN',
  fail: 'FAIL',
  missing: 'missing',
};

/** The human report: a table (check, status, detail), then for each check that did not pass or warned, its fix. */
export function renderDoctorReport(report: DoctorReport): string {
  const rows = report.checks.map((c) => [
    c.title + (c.required ? '' : ' (optional)'),
    STATUS_LABEL[c.status],
    c.detail,
  ]);
  const header = ['CHECK', 'STATUS', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  for (const c of report.checks.filter((o) => o.status !== 'ok')) {
    if (c.status === 'warn') out.push('', `${c.title} works but should change: ${c.purpose}. Fix:`);
    else out.push('', `${c.title} is ${c.status === 'fail' ? 'required' : 'optional'}: ${c.purpose}. Fix (as root):`);
    out.push(...(c.fix ?? '').split('\n').map((l) => `  ${l}`));
  }
  const failing = report.checks.filter((c) => c.status === 'fail');
  const warnings = report.checks.filter((c) => c.status === 'warn').length;
  out.push('');
  if (failing.length > 0) {
    out.push(
      `${failing.length} required check(s) failed. \`${meshdevRootCommand('doctor --fix')}\` installs and starts what is missing.`,
    );
  } else {
    out.push(
      `All required prerequisites are in place${warnings === 0 ? '' : ` (${warnings} warning(s) above, not fixed by --fix)`}.`,
    );
  }
  return out.join('\n');
}
