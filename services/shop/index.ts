import { EnvError } from './env.js';
import { formatLogLine } from './log.js';
import { startDemoService, UnknownServiceError, type RunningDemoService } from './server.js';

export { demoServices, startDemoService, type RunningDemoService } from './server.js';

/**
 * Runs one demo shop service by name until SIGTERM/SIGINT (the container's entry:
 * `meshdev-runtime service NAME`). Configuration errors print one line naming the variable and
 * exit with status 2.
 */
export async function runDemoService(name: string): Promise<void> {
  let running: RunningDemoService;
  try {
    running = await startDemoService(name, process.env);
  } catch (err) {
    const usage = err instanceof EnvError || err instanceof UnknownServiceError;
    process.stderr.write(
      `${formatLogLine(new Date(), 'error', 'cannot start', { service: name || '(none)', error: err instanceof Error ? err.message : String(err) })}\n`,
    );
    process.exitCode = usage ? 2 : 1;
    return;
  }
  const stop = (signal: string) => {
    process.stdout.write(
      `${formatLogLine(new Date(), 'info', 'stopping', { instance: running.config.identity.instance, signal })}\n`,
    );
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
