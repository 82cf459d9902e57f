import type { Command } from 'commander';
import { MeshdevError } from '../errors.js';
import { renderDoctorReport, runDoctor } from '../doctor/doctor.js';
import { meshdevRootCommand } from '../invocation.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('Check the prerequisites (Docker engine, Compose v2, debootstrap, consul, prometheus) and print fixes')
    .option('--fix', 'install what is missing and start dockerd (root, Debian/Ubuntu)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { fix?: boolean; json?: boolean }) => {
      const json = opts.json === true;
      const started = Date.now();
      const report = await runDoctor({
        fix: opts.fix === true,
        // Progress goes to stderr so that --json keeps stdout parseable.
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      if (json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        process.stdout.write(`${renderDoctorReport(report)}\n`);
        if (report.fixed !== undefined && report.fixed.length > 0) {
          process.stdout.write(`(--fix took ${Math.round((Date.now() - started) / 100) / 10} s)\n`);
        }
      }
      if (!report.ok) {
        const failing = report.checks.filter((c) => c.status === 'fail').map((c) => c.title);
        throw new MeshdevError('EPREREQ', `missing prerequisite(s): ${failing.join(', ')}`, {
          fix: report.fixed === undefined ? meshdevRootCommand('doctor --fix') : 'see the fixes above',
        });
      }
    });
}
