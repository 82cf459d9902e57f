import { describe, expect, it } from 'vitest';
import { routeUpgrade } from './upgrade.js';

describe('routeUpgrade', () => {
  it('passes a bodyless upgrade to another protocol through', () => {
    expect(routeUpgrade({ onlyH2c: false, declaresBody: false, bodyInRequest: false })).toBe('pass-through');
  });

  it('serves h2c offers and upgrades with a body as ordinary requests, from wherever Node left the body', () => {
    expect(routeUpgrade({ onlyH2c: true, declaresBody: false, bodyInRequest: false })).toBe('replay');
    // Node <= 24: the body is still in the connection.
    expect(routeUpgrade({ onlyH2c: true, declaresBody: true, bodyInRequest: false })).toBe('replay');
    expect(routeUpgrade({ onlyH2c: false, declaresBody: true, bodyInRequest: false })).toBe('replay');
    // Node >= 25: the body was read into the request.
    expect(routeUpgrade({ onlyH2c: true, declaresBody: true, bodyInRequest: true })).toBe('serve-from-request');
    expect(routeUpgrade({ onlyH2c: false, declaresBody: true, bodyInRequest: true })).toBe('serve-from-request');
  });
});
