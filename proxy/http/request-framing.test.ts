import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clientErrorAnswer, framingRefusal } from './request-framing.js';

/** A parsed head as Node gives it: `headers` keeps the first Host, joins repeated Transfer-Encoding. */
function head(rawHeaders: string[], version: [number, number] = [1, 1]) {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    if (name === 'host' && headers.host !== undefined) continue;
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { httpVersionMajor: version[0], httpVersionMinor: version[1], rawHeaders, headers };
}

describe('framingRefusal', () => {
  it('lets an ordinary head through', () => {
    expect(framingRefusal(head(['Host', 'catalog', 'Accept', '*/*']))).toBeUndefined();
    expect(framingRefusal(head(['Host', 'catalog', 'Transfer-Encoding', 'chunked']))).toBeUndefined();
    expect(framingRefusal(head(['host', 'x', 'transfer-encoding', 'Chunked']))).toBeUndefined();
    expect(framingRefusal(head([], [1, 0]))).toBeUndefined(); // HTTP/1.0 without Host
  });

  it('refuses two Host headers, in any case, 400', () => {
    expect(framingRefusal(head(['Host', 'a', 'HOST', 'b']))?.status).toBe(400);
    expect(framingRefusal(head(['host', 'a', 'Accept', '*/*', 'Host', 'a']))?.reason).toMatch(/more than one Host/);
    // Names of the same length are not mistaken for it.
    expect(framingRefusal(head(['Host', 'a', 'Hust', 'b', 'date', 'x']))).toBeUndefined();
  });

  it('refuses a transfer coding other than chunked alone, 501; any in HTTP/1.0, 400', () => {
    expect(framingRefusal(head(['Host', 'a', 'Transfer-Encoding', 'gzip, chunked']))?.status).toBe(501);
    expect(
      framingRefusal(head(['Host', 'a', 'Transfer-Encoding', 'gzip', 'Transfer-Encoding', 'chunked']))?.status,
    ).toBe(501);
    expect(framingRefusal(head(['Transfer-Encoding', 'chunked'], [1, 0]))?.status).toBe(400);
  });

  it('refuses HTTP/0.9 (400) and versions other than 1.x (505)', () => {
    expect(framingRefusal(head([], [0, 9]))?.status).toBe(400);
    expect(framingRefusal(head(['Host', 'a'], [2, 0]))?.status).toBe(505);
  });

  it('never refuses a head with one Host at most and no transfer coding (generated)', () => {
    const name = fc
      .stringMatching(/^[A-Za-z0-9-]{1,12}$/)
      .filter((n) => !['host', 'transfer-encoding'].includes(n.toLowerCase()));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, fc.string({ maxLength: 20 })), { maxLength: 12 }),
        fc.boolean(),
        (pairs, withHost) => {
          const raw = pairs.flat();
          if (withHost) raw.push('Host', 'catalog');
          expect(framingRefusal(head(raw))).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('clientErrorAnswer', () => {
  it('maps parser errors to their status', () => {
    expect(clientErrorAnswer('HPE_HEADER_OVERFLOW', 10)).toBe(431);
    expect(clientErrorAnswer('HPE_CHUNK_EXTENSIONS_OVERFLOW', 10)).toBe(413);
    expect(clientErrorAnswer('HPE_INVALID_VERSION', 10)).toBe(505);
    expect(clientErrorAnswer('HPE_INVALID_METHOD', 10)).toBe(400);
    expect(clientErrorAnswer(undefined, 10)).toBe(400);
  });

  it('answers a header timeout 408, unless the connection never sent a byte (closed silently)', () => {
    expect(clientErrorAnswer('ERR_HTTP_REQUEST_TIMEOUT', 12)).toBe(408);
    expect(clientErrorAnswer('ERR_HTTP_REQUEST_TIMEOUT', 0)).toBe(0);
  });
});
