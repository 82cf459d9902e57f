/**
 * Fault injection in the sidecar. The data path needs three things from here:
 *   - `FaultEngine`: the current fault set (fed by `watchFaults` from Consul KV), asked per request;
 *   - `faultingHttpHandler` / `faultingTcpHandler`: wrap a listener's handler with the faults.
 */
export { FaultEngine } from './engine.js';
export type { ListenerScope } from './engine.js';
export { faultingHttpHandler, SOURCE_HEADER } from './http-injector.js';
export { faultingTcpHandler } from './tcp-injector.js';
export { watchFaults } from './watch.js';
export { selectFaults, faultMatches, delayOf, isExpired } from './select.js';
export { isPartitioned, partitionReason } from './partition.js';
export { decideHeaderFault, stripFaultHeaders } from './header-faults.js';
export { HTTP_FAULTS, TCP_FAULTS, runHttpFaults, runTcpFaults } from './registry.js';
export { BandwidthPacer, LatencyPacer, paceWrites } from './pacing.js';
export type * from './types.js';
export { systemWallClock } from './types.js';
