import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
/**
 * Hop-by-hop header handling (RFC 9110 7.6.1): these describe one connection, not the message, so
 * a proxy never forwards them, nor any header the `Connection` header names.
 */

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'http2-settings',
]);

/** Adds the header names a `Connection` value lists (beyond close / keep-alive) to `tokens`. */
function addConnectionTokens(value: string, tokens: Set<string> | undefined): Set<string> | undefined {
  const v = value.toLowerCase();
  if (v === 'keep-alive' || v === 'close') return tokens; // nearly every message: nothing named
  for (const t of v.split(',')) {
    const name = t.trim();
    if (name !== '' && name !== 'close' && name !== 'keep-alive') (tokens ??= new Set()).add(name);
  }
  return tokens;
}

/**
 * Copies `raw` (Node's rawHeaders: name, value, name, value...) without hop-by-hop headers and
 * without names in `drop` (lower-case), appending `extra` pairs. One pass (this runs twice per
 * request); headers a `Connection` header names, which are rare, are removed after it.
 */
export function forwardableHeaders(
  raw: readonly string[],
  drop?: ReadonlySet<string>,
  extra?: readonly string[],
): string[] {
  let named: Set<string> | undefined;
  let out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection') named = addConnectionTokens(raw[i + 1]!, named);
      continue;
    }
    if (drop !== undefined && drop.has(lower)) continue;
    out.push(name, raw[i + 1]!);
  }
  if (named !== undefined) {
    const kept: string[] = [];
    for (let i = 0; i < out.length; i += 2) if (!named.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
    out = kept;
  }
  if (extra !== undefined) for (const v of extra) out.push(v);
  return out;
}

/** For Upgrade requests: keep `Connection: upgrade` and `Upgrade`, drop the other hop-by-hop headers. */
export function upgradeHeaders(
  raw: readonly string[],
  drop?: ReadonlySet<string>,
  extra?: readonly string[],
): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (lower !== 'upgrade' && lower !== 'connection' && HOP_BY_HOP.has(lower)) continue;
    if (drop !== undefined && drop.has(lower)) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  if (extra !== undefined) for (const v of extra) out.push(v);
  return out;
}

/**
 * An answer the sidecar gives itself (no healthy endpoint, circuit open, partition, injected abort):
 * a short text body and `x-meshdev-reason` saying why, reduced to printable ASCII for the header.
 */
export function writeLocalAnswer(res: ServerResponse, status: number, reason: string): void {
  const body = `${reason}\n`;
  res.writeHead(status, STATUS_CODES[status] ?? 'Local answer', [
    'content-type',
    'text/plain; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    'x-meshdev-reason',
    reason.replace(/[^\x20-\x7e]/g, '?'),
  ]);
  // Node drops the body by itself when the request was HEAD.
  res.end(body);
}
