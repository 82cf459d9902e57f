import { formatPath } from './issues.js';

/**
 * The first gate for a hand-written JSON document in Consul KV (live config, faults): before the
 * schema sees it, the text must be non-empty, within a size limit, JSON, an object, free of duplicate
 * keys (JSON.parse silently keeps the last one, so what the writer meant is ambiguous), free of the
 * keys JavaScript gives a meaning to (`__proto__` would set an object's prototype when copied into a
 * record, dropping the entry), and nested no deeper than any schema goes.
 */

/** No document meshdev reads nests deeper than 6 levels; 32 leaves room and bounds any recursion. */
export const MAX_JSON_DEPTH = 32;

export const RESERVED_JSON_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonDocumentResult =
  | { ok: true; value: Record<string, unknown> }
  | {
      ok: false;
      /** `empty` is told apart: each caller says what deleting the key means instead. */
      reason: 'empty' | 'invalid';
      message: string;
    };

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/**
 * Parses `text` as one JSON object document of at most `maxBytes` UTF-8 bytes. Never throws.
 */
export function parseJsonDocument(text: string | null, maxBytes: number): JsonDocumentResult {
  if (text === null || text.trim() === '') return { ok: false, reason: 'empty', message: 'empty document' };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return { ok: false, reason: 'invalid', message: `(top level): ${bytes} bytes; at most ${maxBytes} allowed` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: 'invalid', message: `not JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      reason: 'invalid',
      message: `(top level): expected a JSON object ({...}), got ${kindOf(value)}`,
    };
  }
  const structural = checkStructure(text);
  if (structural !== undefined) return { ok: false, reason: 'invalid', message: structural };
  return { ok: true, value: value as Record<string, unknown> };
}

type Frame =
  { kind: 'object'; keys: Set<string>; key: string | undefined; expectKey: boolean } | { kind: 'array'; index: number };

/**
 * Walks text that JSON.parse accepted, for what JSON.parse does not report: duplicate keys,
 * reserved keys and depth. Returns the first problem, with the field it is in.
 */
function checkStructure(text: string): string | undefined {
  const stack: Frame[] = [];
  const path = (frames: readonly Frame[]): (string | number)[] =>
    frames.flatMap((f): (string | number)[] => (f.kind === 'array' ? [f.index] : f.key === undefined ? [] : [f.key]));
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const where = formatPath([...path(stack.slice(0, -1)), key]);
        if (RESERVED_JSON_KEYS.has(key)) return `${where}: the key "${key}" is not allowed`;
        if (top.keys.has(key)) return `${where}: duplicate key "${key}" (JSON would keep only the last)`;
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      if (stack.length >= MAX_JSON_DEPTH) {
        return `${formatPath(path(stack))}: nested deeper than ${MAX_JSON_DEPTH} levels`;
      }
      stack.push(
        c === '{' ? { kind: 'object', keys: new Set(), key: undefined, expectKey: true } : { kind: 'array', index: 0 },
      );
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.expectKey = true;
      else if (top?.kind === 'array') top.index++;
    }
  }
  return undefined;
}
