import type { HeaderFaultSettings } from '../schema/faults.js';
import { HEADER_FAULT_ABORT, HEADER_FAULT_DELAY } from '../schema/faults.js';

/**
 * Per-request faults chosen by headers (as Envoy's `x-envoy-fault-delay-request` / `-abort-request`):
 * a test sends `x-meshdev-fault-delay-ms: 300` or `x-meshdev-fault-abort: 503` and the first sidecar
 * that accepts it applies it and removes the headers (so hops further down do not apply it again).
 *
 * - off unless the mesh enables them (`meshdev/<mesh>/faults/settings`);
 * - the ingress strips them from outside requests unless `allowAtIngress`;
 * - at most `maxActive` in progress per sidecar (a header cannot be used to tie up a sidecar).
 */

export type HeaderFaultDecision =
  | { readonly kind: 'none'; readonly strip: boolean; readonly note?: string }
  | {
      readonly kind: 'apply';
      readonly strip: true;
      readonly delayMs: number | undefined;
      readonly abortStatus: number | undefined;
    };

const NONE_KEEP: HeaderFaultDecision = { kind: 'none', strip: false };

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function hasFaultHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  return headers[HEADER_FAULT_DELAY] !== undefined || headers[HEADER_FAULT_ABORT] !== undefined;
}

export function decideHeaderFault(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  settings: HeaderFaultSettings,
  at: { readonly ingress: boolean; readonly active: number },
): HeaderFaultDecision {
  if (!hasFaultHeaders(headers)) return NONE_KEEP;
  if (at.ingress && !settings.allowAtIngress) {
    return { kind: 'none', strip: true, note: 'header faults are not allowed at the ingress' };
  }
  if (!settings.enabled) return { kind: 'none', strip: false, note: 'header faults are disabled' };
  if (at.active >= settings.maxActive) {
    return { kind: 'none', strip: true, note: `${at.active} header faults already active (max ${settings.maxActive})` };
  }
  const delayText = one(headers[HEADER_FAULT_DELAY]);
  const abortText = one(headers[HEADER_FAULT_ABORT]);
  let delayMs: number | undefined;
  let abortStatus: number | undefined;
  if (delayText !== undefined && /^\d{1,9}$/.test(delayText.trim())) {
    delayMs = Math.min(Number(delayText.trim()), settings.maxDelayMs);
  }
  if (abortText !== undefined && /^\d{3}$/.test(abortText.trim())) {
    const s = Number(abortText.trim());
    if (s >= 200 && s <= 599) abortStatus = s;
  }
  if (delayMs === undefined && abortStatus === undefined) {
    return {
      kind: 'none',
      strip: true,
      note: `ignored unparseable ${HEADER_FAULT_DELAY}/${HEADER_FAULT_ABORT} (expected milliseconds / a status 200-599)`,
    };
  }
  return { kind: 'apply', strip: true, delayMs, abortStatus };
}

/** Removes the fault headers from a request as Node parsed it (both views the forwarder may read). */
export function stripFaultHeaders(req: {
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
}): void {
  delete req.headers[HEADER_FAULT_DELAY];
  delete req.headers[HEADER_FAULT_ABORT];
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    const name = raw[i]!.toLowerCase();
    if (name === HEADER_FAULT_DELAY || name === HEADER_FAULT_ABORT) raw.splice(i, 2);
  }
}
