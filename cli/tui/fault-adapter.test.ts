import { describe, expect, it } from 'vitest';
import { FaultDocument, PartitionDocument } from '../../proxy/schema/faults.js';
import { toActiveFault, toActivePartition } from './fault-adapter.js';

describe('fault documents as the UI lists them', () => {
  it('summarizes an inbound abort on an instance', () => {
    const f = FaultDocument.parse({
      id: 'f-abc',
      action: { type: 'abort', status: 503 },
      target: { service: 'catalog', instance: 'catalog-2' },
      percent: 50,
      createdAt: '2026-11-25T12:00:00.000Z',
      expiresAt: '2026-11-25T12:01:00.000Z',
    });
    expect(toActiveFault(f)).toEqual({
      id: 'f-abc',
      target: 'catalog-2',
      kind: 'abort',
      summary: 'abort 503 50%',
      expiresAt: Date.parse('2026-11-25T12:01:00.000Z'),
    });
  });

  it('keeps partitions without expiry open-ended', () => {
    const p = PartitionDocument.parse({
      id: 'p-1',
      a: ['gateway'],
      b: ['catalog', 'pricing'],
      createdAt: '2026-11-25T12:00:00.000Z',
    });
    expect(toActivePartition(p)).toEqual({ id: 'p-1', from: 'gateway', to: 'catalog,pricing', expiresAt: undefined });
  });
});
