import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { headWithoutUpgrade, offersOnlyH2c } from './h2c.js';

const request = (rawHeaders: string[]): IncomingMessage => {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] = rawHeaders[i + 1]!;
  return { method: 'POST', url: '/orders?x=1', httpVersion: '1.1', rawHeaders, headers } as unknown as IncomingMessage;
};

describe('h2c upgrade offers', () => {
  it('are the offers of h2c alone: a WebSocket (or mixed) upgrade is still passed through', () => {
    expect(offersOnlyH2c(request(['Upgrade', 'h2c']))).toBe(true);
    expect(offersOnlyH2c(request(['Upgrade', 'H2C ']))).toBe(true);
    expect(offersOnlyH2c(request(['Upgrade', 'websocket']))).toBe(false);
    expect(offersOnlyH2c(request(['Upgrade', 'h2c, websocket']))).toBe(false);
    expect(offersOnlyH2c(request(['Host', 'x']))).toBe(false);
  });

  it("rewrite the head without the offer, keeping every other header and Connection's other tokens", () => {
    const head = headWithoutUpgrade(
      request([
        'Host',
        'catalog',
        'Connection',
        'Upgrade, HTTP2-Settings, close',
        'Upgrade',
        'h2c',
        'HTTP2-Settings',
        'AAMAAABkAAQCAAAAAAIAAAAA',
        'Content-Length',
        '3',
      ]),
    );
    expect(head).toBe('POST /orders?x=1 HTTP/1.1\r\nHost: catalog\r\nConnection: close\r\nContent-Length: 3\r\n\r\n');
    expect(headWithoutUpgrade(request(['Connection', 'Upgrade, HTTP2-Settings', 'Upgrade', 'h2c']))).toBe(
      'POST /orders?x=1 HTTP/1.1\r\n\r\n',
    );
  });
});
