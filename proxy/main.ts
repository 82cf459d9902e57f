import { SIDECAR_BOOTSTRAP_ENV, SidecarBootstrap } from './schema/bootstrap.js';
import { formatIssues } from './schema/issues.js';
import { BufferedStdout, Logger } from './log.js';
import { startSidecar } from './sidecar.js';

/** Parses `MESHDEV_SIDECAR`; on bad input, one `MESHDEV_SIDECAR: <path>: <message>` line per problem. */
export function parseSidecarEnv(
  env: NodeJS.ProcessEnv,
): { ok: true; bootstrap: SidecarBootstrap } | { ok: false; problems: string[] } {
  const raw = env[SIDECAR_BOOTSTRAP_ENV];
  if (raw === undefined || raw.trim() === '') {
    return {
      ok: false,
      problems: [`${SIDECAR_BOOTSTRAP_ENV}: (top level): not set; expected the sidecar bootstrap as JSON`],
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return {
      ok: false,
      problems: [`${SIDECAR_BOOTSTRAP_ENV}: (top level): not valid JSON: ${(err as Error).message}`],
    };
  }
  const parsed = SidecarBootstrap.safeParse(json);
  if (!parsed.success) return { ok: false, problems: formatIssues(SIDECAR_BOOTSTRAP_ENV, parsed.error) };
  if (parsed.data.mode === 'sidecar' && parsed.data.app === undefined) {
    return { ok: false, problems: [`${SIDECAR_BOOTSTRAP_ENV}: app: required when mode is "sidecar"`] };
  }
  if (parsed.data.mode === 'ingress' && parsed.data.upstreams.length === 0) {
    return {
      ok: false,
      problems: [`${SIDECAR_BOOTSTRAP_ENV}: upstreams: an ingress needs at least one upstream listener`],
    };
  }
  return { ok: true, bootstrap: parsed.data };
}

/** Sidecar entry point: reads the bootstrap document from the environment and runs until SIGTERM. */
export async function runSidecarFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const parsed = parseSidecarEnv(env);
  if (!parsed.ok) {
    for (const line of parsed.problems) process.stderr.write(`${line}\n`);
    process.exit(2);
  }
  const b = parsed.bootstrap;
  const log = new Logger(new BufferedStdout(), { instance: b.instanceId });
  const sidecar = await startSidecar(b, log).catch((err: Error & { code?: string }) => {
    process.stderr.write(`meshdev sidecar ${b.instanceId}: cannot start: ${err.message}\n`);
    process.exit(err.code === 'EADDRINUSE' ? 2 : 1);
  });
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
