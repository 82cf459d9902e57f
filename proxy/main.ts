/** Sidecar entry point: reads the bootstrap document from the environment and runs until SIGTERM. */
export async function runSidecarFromEnv(): Promise<void> {
  throw new Error('sidecar: not built yet');
}
