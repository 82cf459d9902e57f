/**
 * The single entry point of the meshdev runtime image (bundled to dist/runtime/meshdev-runtime.mjs):
 *   sidecar            the sidecar proxy (bootstrap from env MESHDEV_SIDECAR)
 *   service NAME       one of the demo shop's services
 *   loadgen            the load generator
 */
const [role, ...rest] = process.argv.slice(2);

switch (role) {
  case 'sidecar': {
    const { runSidecarFromEnv } = await import('../proxy/main.js');
    await runSidecarFromEnv();
    break;
  }
  case 'service': {
    const { runDemoService } = await import('./shop/index.js');
    await runDemoService(rest[0] ?? '');
    break;
  }
  case 'loadgen': {
    const { runLoadgenFromEnv } = await import('./loadgen/main.js');
    await runLoadgenFromEnv();
    break;
  }
  default:
    process.stderr.write(`meshdev-runtime: unknown role "${role ?? ''}"; expected sidecar, service NAME or loadgen\n`);
    process.exit(2);
}
