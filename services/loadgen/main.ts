/** Runs the load generator configured by environment variables. */
export async function runLoadgenFromEnv(): Promise<void> {
  throw new Error('loadgen: not built yet');
}
