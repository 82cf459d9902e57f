import { describe, expect, it } from 'vitest';
import { HEADER_FAULTS_OFF } from '../schema/faults.js';
import { decideHeaderFault, stripFaultHeaders } from './header-faults.js';

const on = { ...HEADER_FAULTS_OFF, enabled: true, maxActive: 2, maxDelayMs: 1000 };
const sidecar = { ingress: false, active: 0 };

describe('decideHeaderFault', () => {
  it('does nothing without fault headers', () => {
    expect(decideHeaderFault({ 'x-other': '1' }, on, sidecar)).toEqual({ kind: 'none', strip: false });
  });
  it('is off unless the mesh enables it (headers pass untouched)', () => {
    const d = decideHeaderFault({ 'x-meshdev-fault-abort': '503' }, HEADER_FAULTS_OFF, sidecar);
    expect(d).toMatchObject({ kind: 'none', strip: false });
  });
  it('applies delay and abort, stripping the headers', () => {
    expect(
      decideHeaderFault({ 'x-meshdev-fault-delay-ms': '250', 'x-meshdev-fault-abort': '503' }, on, sidecar),
    ).toEqual({ kind: 'apply', strip: true, delayMs: 250, abortStatus: 503 });
  });
  it('caps the delay at maxDelayMs', () => {
    expect(decideHeaderFault({ 'x-meshdev-fault-delay-ms': '99999' }, on, sidecar)).toMatchObject({ delayMs: 1000 });
  });
  it('strips at the ingress unless allowed there', () => {
    const h = { 'x-meshdev-fault-abort': '503' };
    expect(decideHeaderFault(h, on, { ingress: true, active: 0 })).toMatchObject({ kind: 'none', strip: true });
    expect(decideHeaderFault(h, { ...on, allowAtIngress: true }, { ingress: true, active: 0 })).toMatchObject({
      kind: 'apply',
      abortStatus: 503,
    });
    // even when header faults are off: outside requests never carry them into the mesh
    expect(decideHeaderFault(h, HEADER_FAULTS_OFF, { ingress: true, active: 0 })).toMatchObject({ strip: true });
  });
  it('is bounded by maxActive', () => {
    const h = { 'x-meshdev-fault-delay-ms': '10' };
    expect(decideHeaderFault(h, on, { ingress: false, active: 1 })).toMatchObject({ kind: 'apply' });
    expect(decideHeaderFault(h, on, { ingress: false, active: 2 })).toMatchObject({ kind: 'none', strip: true });
  });
  it('ignores unparseable values', () => {
    for (const h of [
      { 'x-meshdev-fault-delay-ms': 'soon' },
      { 'x-meshdev-fault-abort': '42' },
      { 'x-meshdev-fault-abort': '700' },
    ]) {
      expect(decideHeaderFault(h, on, sidecar)).toMatchObject({ kind: 'none', strip: true });
    }
  });
});

describe('stripFaultHeaders', () => {
  it('removes them from both parsed and raw headers', () => {
    const req = {
      headers: { host: 'x', 'x-meshdev-fault-abort': '503' } as Record<string, string | undefined>,
      rawHeaders: ['Host', 'x', 'X-Meshdev-Fault-Abort', '503', 'X-Meshdev-Fault-Delay-Ms', '5'],
    };
    stripFaultHeaders(req);
    expect(req.headers).toEqual({ host: 'x' });
    expect(req.rawHeaders).toEqual(['Host', 'x']);
  });
});
