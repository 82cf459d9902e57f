/**
 * The one schema module: every document the CLI writes and the proxy reads is described here.
 *  - topology.ts: `mesh.yaml`, written by the developer, read by the CLI
 *  - bootstrap.ts: what the CLI hands each sidecar at start (env MESHDEV_SIDECAR)
 *  - instance.ts: the ports the sidecar binds next to each app and the env the app gets
 *  - balancers.ts: the balancer names (one list)
 *  - defaults.ts: every built-in default, written once (the policies take theirs from here)
 *  - config.ts: live configuration in Consul KV (balancer, resilience, routes), watched by sidecars
 *  - config-documents.ts: judging those documents one by one (a bad one is rejected by its key)
 *  - json-document.ts: the checks every hand-written JSON document in KV passes first
 *  - faults.ts: faults, partitions and header-fault settings in Consul KV, watched by sidecars
 *  - admin.ts: what a sidecar's admin API answers on /endpoints and /config, read by the CLI
 *  - node-options.ts: the Node options the rendered Compose file starts every sidecar with
 */
export * from './topology.js';
export * from './bootstrap.js';
export * from './instance.js';
export * from './issues.js';
export * from './balancers.js';
export * from './defaults.js';
export * from './config.js';
export * from './config-documents.js';
export * from './json-document.js';
export * from './faults.js';
export * from './admin.js';
export * from './node-options.js';
