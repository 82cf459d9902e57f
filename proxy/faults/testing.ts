import type { FaultDocument, PartitionDocument } from '../schema/faults.js';
import { FaultDocument as FaultSchema, PartitionDocument as PartitionSchema } from '../schema/faults.js';

/** Builders for tests: a valid document with defaults, overridable field by field. Not used in production. */
export const T0 = Date.parse('2030-01-01T00:00:00.000Z');

export function faultDoc(over: Partial<Record<keyof FaultDocument, unknown>> = {}): FaultDocument {
  return FaultSchema.parse({
    id: 'f1',
    action: { type: 'abort', status: 503 },
    target: { service: 'catalog' },
    createdAt: new Date(T0).toISOString(),
    expiresAt: new Date(T0 + 60_000).toISOString(),
    ...over,
  });
}

export function partitionDoc(over: Partial<Record<keyof PartitionDocument, unknown>> = {}): PartitionDocument {
  return PartitionSchema.parse({
    id: 'p1',
    a: ['gateway'],
    b: ['catalog'],
    createdAt: new Date(T0).toISOString(),
    ...over,
  });
}
