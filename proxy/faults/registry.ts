import type { FaultAction, HttpFaultType, TcpFaultType } from '../schema/faults.js';
import { abortFault } from './abort.js';
import { bandwidthFault } from './bandwidth.js';
import { blackholeFault } from './blackhole.js';
import { delayFault } from './delay.js';
import { flakyFault, tcpFlakyFault } from './flaky.js';
import { resetFault } from './reset.js';
import { tcpBandwidthFault, tcpLatencyFault, tcpResetFault } from './tcp.js';
import type { ChosenFault, FaultEnv, HttpExchange, HttpFault, TcpFault } from './types.js';
import type { Socket } from 'node:net';

/**
 * Every fault by name (the `action.type` of a fault document), keyed by the schema's kinds: a kind
 * without a behaviour here fails to compile.
 */
export const HTTP_FAULTS: Readonly<Record<HttpFaultType, HttpFault>> = {
  delay: delayFault as HttpFault,
  abort: abortFault as HttpFault,
  reset: resetFault as HttpFault,
  blackhole: blackholeFault as HttpFault,
  bandwidth: bandwidthFault as HttpFault,
  flaky: flakyFault as HttpFault,
};

export const TCP_FAULTS: Readonly<Record<TcpFaultType, TcpFault>> = {
  'tcp-latency': tcpLatencyFault as TcpFault,
  'tcp-reset': tcpResetFault as TcpFault,
  'tcp-bandwidth': tcpBandwidthFault as TcpFault,
  'tcp-flaky': tcpFlakyFault as TcpFault,
};

/** Runs `faults` in order; each calls the next, the last calls `done` (the data path). */
export function runHttpFaults(faults: readonly ChosenFault[], x: HttpExchange, done: () => void, env: FaultEnv): void {
  const step = (i: number): void => {
    const f = faults[i];
    if (f === undefined) return done();
    const impl = HTTP_FAULTS[f.action.type as HttpFaultType] as HttpFault<FaultAction> | undefined;
    if (impl === undefined) return step(i + 1); // a TCP fault on an HTTP listener: not ours
    impl.apply(f, x, () => step(i + 1), env);
  };
  step(0);
}

export function runTcpFaults(faults: readonly ChosenFault[], client: Socket, done: () => void, env: FaultEnv): void {
  const step = (i: number): void => {
    const f = faults[i];
    if (f === undefined) return done();
    const impl = TCP_FAULTS[f.action.type as TcpFaultType] as TcpFault<FaultAction> | undefined;
    if (impl === undefined) return step(i + 1);
    impl.apply(f, client, () => step(i + 1), env);
  };
  step(0);
}
