import { SIDECAR_BOOTSTRAP_ENV, SidecarBootstrap } from './schema/bootstrap.js';
import { formatIssues } from './schema/issues.js';
import { BufferedStdout, Logger } from './log.js';
import { startSidecar } from './sidecar.js';

/** Sidecar entry point: reads the bootstrap document from the environment and runs until SIGTERM. */
export async function runSidecarFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const raw = env[SIDECAR_BOOTSTRAP_ENV];
  if (raw === undefined || raw.trim() === '') {
    process.stderr.write(`${SIDECAR_BOOTSTRAP_ENV}: (top level): not set; expected the sidecar bootstrap as JSON\n`);
    process.exit(2);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    process.stderr.write(`${SIDECAR_BOOTSTRAP_ENV}: (top level): not valid JSON: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const parsed = SidecarBootstrap.safeParse(json);
  if (!parsed.success) {
    for (const line of formatIssues(SIDECAR_BOOTSTRAP_ENV, parsed.error)) process.stderr.write(`${line}\n`);
    process.exit(2);
  }
  const b = parsed.data;
  if (b.mode === 'sidecar' && b.app === undefined) {
    process.stderr.write(`${SIDECAR_BOOTSTRAP_ENV}: app: required when mode is "sidecar"\n`);
    process.exit(2);
  }
  const log = new Logger(new BufferedStdout(), { instance: b.instanceId });
  const sidecar = await startSidecar(b, log);
  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      log.info(`${sig}: deregistering and draining`, { event: 'shutdown' });
      void sidecar.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
  process.exit(0);
}
