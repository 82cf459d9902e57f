import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseJsonDocument } from './json-document.js';

const problem = (text: string | null, max = 1000) => {
  const r = parseJsonDocument(text, max);
  return r.ok ? undefined : r.message;
};

describe('parseJsonDocument', () => {
  it('accepts an object, whatever its strings hold', () => {
    const text = '{"a": {"b": [1, {"c": "x\\"}{,["}], "d": "\\\\"}, "e": ""}';
    expect(parseJsonDocument(text, 1000)).toEqual({ ok: true, value: JSON.parse(text) });
    // The same key in different objects is not a duplicate.
    expect(problem('{"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 1}, {"k": 2}]}')).toBeUndefined();
  });

  it('tells empty apart', () => {
    for (const t of [null, '', '  \n\t'])
      expect(parseJsonDocument(t, 10)).toMatchObject({ ok: false, reason: 'empty' });
  });

  it('rejects oversize, non-JSON and non-objects with what it got', () => {
    expect(problem('{"a": "' + 'x'.repeat(2000) + '"}')).toMatch(/^\(top level\): 2009 bytes; at most 1000 allowed/);
    expect(problem('{"a": ')).toMatch(/^not JSON: /);
    expect(problem('[1]')).toMatch(/expected a JSON object .*got an array/);
    expect(problem('"x"')).toMatch(/got a string/);
    expect(problem('null')).toMatch(/got null/);
    expect(problem('7')).toMatch(/got a number/);
  });

  it('rejects duplicate keys, naming the field', () => {
    expect(problem('{"balancer": "random", "balancer": "peak-ewma"}')).toBe(
      'balancer: duplicate key "balancer" (JSON would keep only the last)',
    );
    expect(problem('{"routes": [{}, {"match": {"headers": {"a": "1", "a": "2"}}}]}')).toMatch(
      /^routes\[1\]\.match\.headers\.a: duplicate key "a"/,
    );
  });

  it('rejects the keys JavaScript gives a meaning to, anywhere', () => {
    expect(problem('{"__proto__": {"balancer": "random"}}')).toMatch(/^__proto__: the key "__proto__" is not allowed/);
    expect(problem('{"split": {"constructor": 1}}')).toMatch(/^split\.constructor: the key "constructor"/);
    expect(problem('{"a": [{"prototype": 1}]}')).toMatch(/^a\[0\]\.prototype: /);
    // ...but not as values.
    expect(problem('{"name": "__proto__"}')).toBeUndefined();
  });

  it('bounds nesting', () => {
    const deep = (n: number) => `{"a": ${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;
    expect(problem(deep(MAX_JSON_DEPTH))).toBeUndefined();
    expect(problem(deep(MAX_JSON_DEPTH + 1))).toMatch(new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`));
    expect(problem(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 1e6)).toMatch(/got an array/);
  });
});
