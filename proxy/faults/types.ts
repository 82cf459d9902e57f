import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Rng } from '../policy/types.js';
import type { FaultAction, FaultDocument, FaultType } from '../schema/faults.js';

/**
 * Contracts between the sidecar's data path and its faults. The decision (which faults apply to this
 * request) is a pure function of the fault set, the request and an injected clock and random source
 * (`select.ts`); each fault is a tiny module behind one interface, registered by name (`registry.ts`),
 * as Toxiproxy's toxics are.
 */

/** Wall-clock milliseconds since the epoch: faults expire at an absolute time written by the CLI. */
export interface WallClock {
  now(): number;
}
export const systemWallClock: WallClock = { now: () => Date.now() };

/** Who a sidecar is (from its bootstrap). */
export interface SidecarIdentity {
  readonly service: string;
  readonly version: string;
  readonly instance: string;
  /** The ingress strips header faults from outside requests unless allowed. */
  readonly ingress: boolean;
}

/** What the data path knows about one request (or, for TCP, one connection) when it asks. */
export interface FaultContext {
  readonly direction: 'inbound' | 'outbound';
  readonly protocol: 'http' | 'tcp';
  readonly self: SidecarIdentity;
  /** Outbound: the upstream service the request goes to. */
  readonly upstream?: string;
  readonly path?: string;
  /** Lower-case names, as Node gives them. */
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** Inbound: the calling service, when the caller's sidecar said so (`x-meshdev-source`). */
  readonly sourceService?: string;
}

/** A fault chosen for one request: the action and the document it came from (for logs and reasons). */
export interface ChosenFault<A extends FaultAction = FaultAction> {
  readonly id: string;
  readonly action: A;
  readonly expiresAt: number;
}

export function chosen(doc: FaultDocument): ChosenFault {
  return { id: doc.id, action: doc.action, expiresAt: Date.parse(doc.expiresAt) };
}

export interface FaultEnv {
  readonly rng: Rng;
  readonly clock: WallClock;
  /** Counts one injection (`meshdev_faults_injected_total{type}`), labelled with the fault's kind. */
  injected(type: FaultType): void;
}

/** One HTTP exchange as the inbound or outbound listener received it. */
export interface HttpExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/**
 * One HTTP fault. `apply` either calls `next()` (the request goes on, possibly altered: delayed, its
 * response paced) or ends the exchange itself (abort, reset, blackhole) and never calls it.
 */
export interface HttpFault<A extends FaultAction = FaultAction> {
  readonly type: A['type'];
  apply(fault: ChosenFault<A>, x: HttpExchange, next: () => void, env: FaultEnv): void;
}

/** One TCP fault, applied to an accepted client connection before it is proxied. */
export interface TcpFault<A extends FaultAction = FaultAction> {
  readonly type: A['type'];
  apply(fault: ChosenFault<A>, client: Socket, next: () => void, env: FaultEnv): void;
}
