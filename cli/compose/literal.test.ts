import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeLiteral, composeYaml, escapeInterpolation, fromComposeLiteral, yamlCommentText } from './literal.js';

describe('composeLiteral', () => {
  it('doubles every $, so Compose interpolates nothing', () => {
    expect(composeLiteral('pa$word')).toBe('pa$$word');
    expect(composeLiteral('${HOME}')).toBe('$${HOME}');
    expect(composeLiteral('$$')).toBe('$$$$');
    expect(composeLiteral('no dollar')).toBe('no dollar');
  });

  it('is undone by fromComposeLiteral', () => {
    for (const s of ['', '$', '$$', '$$$', 'a$1$${X}$', '$'.repeat(7)])
      expect(fromComposeLiteral(composeLiteral(s))).toBe(s);
  });
});

describe('escapeInterpolation', () => {
  it('escapes string values at any depth, never keys, and leaves the input as it was', () => {
    const input = { a$: 'x$y', list: ['$1', 2, true], nested: { k$k: { v: '${V}' } }, n: 3 };
    expect(escapeInterpolation(input)).toEqual({
      a$: 'x$$y',
      list: ['$$1', 2, true],
      nested: { k$k: { v: '$${V}' } },
      n: 3,
    });
    expect(input.list[0]).toBe('$1');
  });
});

describe('composeYaml', () => {
  it('writes the line breaks go-yaml knows and YAML 1.2 does not as double-quoted escapes', () => {
    const text = composeYaml({ a: 'x\u2028  privileged: true', b: 'nel\u0085', 'k\u2029': 'p' });
    expect(text).not.toMatch(/[\u0085\u2028\u2029]/);
    expect(text).toContain('"x\\L  privileged: true"');
    expect(parse(text)).toEqual({ a: 'x\u2028  privileged: true', b: 'nel\u0085', 'k\u2029': 'p' });
  });
});

describe('yamlCommentText', () => {
  it('quotes the text on one printable-ASCII line', () => {
    expect(yamlCommentText('/home/me/mesh.yaml')).toBe('"/home/me/mesh.yaml"');
    const evil = '/tmp/x\nservices:\n  evil: {privileged: true}\r\u2028\u0085é';
    const text = yamlCommentText(evil);
    expect(text).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(text)).toBe(evil);
  });
});

/** Text a topology may carry: Compose and YAML syntax, line breaks of every kind, any Unicode. */
const hostileChar = fc.oneof(
  fc.constantFrom(
    '$',
    '$$',
    '${',
    '}',
    '{',
    '"',
    "'",
    '\\',
    '\n',
    '\r',
    '\t',
    ' ',
    '#',
    ': ',
    '- ',
    '---',
    '&',
    '*',
    '!',
  ),
  fc.constantFrom('\u0085', '\u2028', '\u2029', '\ufeff', '\u00a0', 'é', '😀'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const hostileText = fc.string({ unit: hostileChar, maxLength: 40 });

describe('composeYaml(escapeInterpolation(x)) round trip', () => {
  const RUNS = 300;
  it(`gives back every value, un-escaped, and nothing else (${RUNS} generated documents)`, () => {
    fc.assert(
      fc.property(fc.dictionary(hostileText, fc.array(hostileText, { maxLength: 4 }), { maxKeys: 4 }), (doc) => {
        const back = parse(composeYaml(escapeInterpolation(doc))) as Record<string, string[]>;
        const unescaped = Object.fromEntries(Object.entries(back).map(([k, v]) => [k, v.map(fromComposeLiteral)]));
        expect(unescaped).toEqual(doc);
      }),
      { numRuns: RUNS },
    );
  });
});
