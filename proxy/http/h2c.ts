import type { IncomingMessage } from 'node:http';

/**
 * `Upgrade: h2c` asks to switch a connection to cleartext HTTP/2: curl --http2 sends it, and so does
 * Java's HttpClient for every http:// URL by default. The mesh speaks HTTP/1.1, and RFC 9113 3.2
 * lets a server ignore the offer and answer in HTTP/1.1, as if the header were not there (Envoy
 * does the same).
 *
 * Relayed as an upgrade, its body would be lost and a POST would hang until a timeout. So such a
 * request is served as an ordinary one, with faults, retries and metrics (upgrade.ts: its head is read again
 * without the offer).
 */

/** Does the request offer h2c and nothing else (no WebSocket or other protocol to pass through)? */
export function offersOnlyH2c(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  if (upgrade === undefined) return false;
  return upgrade.split(',').every((p) => p.trim().toLowerCase() === 'h2c');
}

/** The headers of the offer, dropped from the request and from its `Connection` tokens. */
const OFFER_HEADERS = new Set(['upgrade', 'http2-settings']);

/** The request's head, HTTP/1.1 as received, without `Upgrade`, `HTTP2-Settings` and their `Connection` tokens. */
export function headWithoutUpgrade(req: IncomingMessage): string {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (OFFER_HEADERS.has(name)) continue;
    if (name === 'connection') {
      const kept = raw[i + 1]!.split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '' && !OFFER_HEADERS.has(t.toLowerCase()));
      if (kept.length > 0) head += `${raw[i]}: ${kept.join(', ')}\r\n`;
      continue;
    }
    head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  return `${head}\r\n`;
}
