import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { decodeUtf8, readYamlData } from './yaml-data.js';

const limits = { nesting: 32, aliases: 100 };
const read = (text: string, keepsText?: (path: readonly PropertyKey[]) => boolean) =>
  readYamlData(text, { limits, ...(keepsText === undefined ? {} : { keepsText }) });

describe('readYamlData', () => {
  it('gives back any value the yaml package writes, within the nesting limit (property, 300 values)', () => {
    const key = fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__');
    const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(value, (v) => {
        const r = read(stringify(v));
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.data).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts nesting up to the limit and refuses one level more, before the parser recurses', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    // The estimate is an upper bound: here the brackets plus the line they start on.
    expect(read(nested(31)).ok).toBe(true);
    expect(read(nested(32))).toEqual({
      ok: false,
      problems: [{ line: 1, col: 32, message: 'nested deeper than 32 levels' }],
    });
    const block = Array.from({ length: 8 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    expect(read(`${block} v\n`).ok).toBe(true);
  });

  it('expands an alias, counting every expansion, and places a field behind it at its anchor', () => {
    const r = read('base: &b {x: [1, 2]}\none: *b\ntwo: *b\n');
    expect(r.ok && r.data).toEqual({ base: { x: [1, 2] }, one: { x: [1, 2] }, two: { x: [1, 2] } });
    if (r.ok) expect(r.positionOf(['two', 'x'])).toEqual({ line: 1, col: 11 });
    const many = `a: &a 1\nl: [${Array(101).fill('*a').join(', ')}]\n`;
    expect(read(many)).toMatchObject({
      ok: false,
      problems: [
        { line: 2, col: 405, path: ['l', 100], message: 'more than 100 aliases expanded; write the values out' },
      ],
    });
  });

  it('keeps the written text of scalars where asked, and only there', () => {
    const r = read('a: 1.10\nb: {c: 0x1F, d: 1.10}\n', (path) => path[0] === 'b');
    expect(r.ok && r.data).toEqual({ a: 1.1, b: { c: '0x1F', d: '1.10' } });
  });

  it('quotes text from the file in its messages, escaped', () => {
    const r = read('"a\\u001b[2Jb": 1\n"a\\u001b[2Jb": 2\n');
    expect(r).toMatchObject({ ok: false, problems: [{ line: 2, col: 1 }] });
    if (!r.ok)
      expect(r.problems[0]!.message).toBe(
        '"a\\u001b[2Jb" is given twice (first at line 1, column 1); give each key once',
      );
  });
});

describe('decodeUtf8', () => {
  it('finds the first byte that is not UTF-8, by line and column in characters', () => {
    const bytes = Buffer.concat([Buffer.from('ok\né😀x'), Buffer.from([0xc3, 0x28]), Buffer.from('\nmore')]);
    expect(decodeUtf8(bytes)).toEqual({
      problem: { line: 2, col: 5, message: 'byte 0xC3 is not UTF-8; save the file as UTF-8' },
    });
    // A character cut short at the very end.
    expect(decodeUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toEqual({
      problem: { line: 1, col: 2, message: 'byte 0xE2 is not UTF-8; save the file as UTF-8' },
    });
    // A character cut short at the end of a line that is not the last.
    expect(decodeUtf8(Buffer.from([0x61, 0xc3, 0x0a, 0x62]))).toEqual({
      problem: { line: 1, col: 2, message: 'byte 0xC3 is not UTF-8; save the file as UTF-8' },
    });
    expect(decodeUtf8(Buffer.from('fine é'))).toEqual({ text: 'fine é' });
  });
});
