import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { loadControl } from './control-options.js';
import { loadScenario } from '../chaos/load.js';
import { formatReport, runScenario } from '../chaos/run.js';
import { meshActuators, prometheusClientMetrics } from '../chaos/actuators.js';
import { MeshdevError } from '../errors.js';
import { parseHttpUrl } from '../flags.js';
import { setTimeout as sleep } from 'node:timers/promises';

export function registerChaos(program: Command): void {
  const chaos = program
    .command('chaos')
    .description('Chaos scenarios as code: a timeline of faults and objectives on what clients saw.');
  chaos
    .command('run')
    .description(
      'Play FILE.yaml (see services/demo/chaos/) against the running mesh while the load generator runs, then judge\n' +
        'its objectives over the whole run and per step. Exit 1 when an objective is missed, with by how much.',
    )
    .argument('<file>')
    .option('-f, --file <mesh.yaml>', 'topology file (default: ./mesh.yaml, else the bundled demo)')
    .option('--consul <url>', 'Consul HTTP API of the mesh (default: from the topology)')
    .option('--prometheus <url>', 'Prometheus of the mesh (default: http://127.0.0.1:<ports.prometheus>)')
    .option('--json', 'machine-readable report')
    .action(async (file: string, opts: { file?: string; consul?: string; prometheus?: string; json?: boolean }) => {
      const prometheus = opts.prometheus === undefined ? undefined : parseHttpUrl(opts.prometheus, '--prometheus');
      const control = await loadControl(opts);
      const mesh = control.mesh;
      const { scenario, plan } = await loadScenario(file, mesh);
      const runId = randomBytes(2).toString('hex');
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      // `on`, not `once`: a second Ctrl-C during the clean-up must not fall through to Node's default
      // (or to a signal-exit handler of a subprocess library, which re-raises) and leave faults behind.
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const report = await runScenario(scenario, plan, {
          actuators: meshActuators(control, runId),
          metrics: prometheusClientMetrics(prometheus ?? `http://127.0.0.1:${mesh.topology.ports.prometheus}`),
          env: {
            now: () => Date.now(),
            sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
          },
          signal: abort.signal,
          onRecord: opts.json
            ? undefined
            : (r) =>
                process.stdout.write(
                  `${r.at} +${(r.atMs / 1000).toFixed(1)}s ${r.kind} ${r.step}: ${r.detail}${r.error ? ` (${r.error})` : ''}\n`,
                ),
        });
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
        if (!report.ok) {
          const missed = report.objectives.filter((o) => !o.ok).map((o) => `${o.phase} ${o.metric}: ${o.detail}`);
          throw new MeshdevError(
            'EOBJECTIVE',
            `chaos ${scenario.name} failed: ${[...(report.aborted ? [report.aborted] : []), ...missed].join('; ')}`,
            { exitCode: 1 },
          );
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
