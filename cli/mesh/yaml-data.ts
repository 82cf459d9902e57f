import type { Alias, Document, Node as YamlNode, Pair, YAMLMap } from 'yaml';
import { quoteText } from '../../proxy/schema/index.js';
import { CST, isAlias, isCollection, isMap, isScalar, isSeq, Lexer, LineCounter, parseDocument, visit } from 'yaml';

/**
 * A YAML text read into plain data (mappings, lists, text, numbers, booleans, null) for a schema
 * to check, or refused with one problem per fault, each at a line and column and, where the fault
 * lies inside a value, under the field path that leads to it.
 *
 * Written for files from anyone: the text is checked to be UTF-8 without control characters and
 * its nesting bounded before the `yaml` package (whose composer recurses, and runs out of stack or
 * memory on deep nesting) sees it; duplicate keys are found with a hash map (the package's own
 * check is quadratic: a mapping of 100,000 keys took 98 s); aliases are expanded a bounded number
 * of times; tags, non-text keys and `__proto__` are refused rather than turned into something
 * else. Pure: no I/O.
 */

export interface YamlProblem {
  /** 1-based. */
  readonly line: number;
  readonly col: number;
  /** The field the problem is in (empty: the top level); absent when the text could not be read that far. */
  readonly path?: readonly PropertyKey[];
  readonly message: string;
}

export interface YamlLimits {
  /** Mappings and lists inside one another, counted from the top. */
  readonly nesting: number;
  /** Alias expansions in the whole document (an alias inside an expanded anchor counts again). */
  readonly aliases: number;
}

export interface YamlReadOptions {
  readonly limits: YamlLimits;
  /**
   * Fields whose scalar is the text as written rather than the number or boolean YAML reads from
   * it: `1.10` stays "1.10" (not "1.1"), `0x10` stays "0x10" (not "16").
   */
  readonly keepsText?: (path: readonly PropertyKey[]) => boolean;
}

export type YamlData =
  | {
      readonly ok: true;
      readonly data: unknown;
      /** Where the field at `path` is written (its key, for a mapping entry), else the nearest enclosing one. */
      readonly positionOf: (path: readonly PropertyKey[]) => { line: number; col: number };
    }
  | { readonly ok: false; readonly problems: readonly YamlProblem[] };

/** Text from the file that a message shows unquoted (an anchor, a tag): anything but printable ASCII escaped. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** More problems than this are not listed: the first ones are what a user fixes first. */
export const MAX_PROBLEMS = 20;

/** Where a byte offset into `text` is: 1-based line and column (in characters). */
function positionAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

function problemAt(text: string, offset: number, message: string): YamlProblem {
  return { ...positionAt(text, offset), message };
}

/** The text of UTF-8 bytes, or where the first byte that is not UTF-8 is. */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { problem: YamlProblem } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    // Invalid UTF-8: find the first bad byte. A line break byte never occurs inside a multi-byte
    // sequence, so the lines decode on their own; within the bad line, a prefix decodes (as a
    // stream, so an unfinished last character is no error) exactly while it ends before that byte.
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { problem: { line: 1, col: 1, message: 'the file is UTF-16; save it as UTF-8' } };
  }
  let lineStart = 0;
  let line = 1;
  for (;;) {
    const nl = bytes.indexOf(0x0a, lineStart);
    const end = nl === -1 ? bytes.length : nl;
    const lineBytes = bytes.subarray(lineStart, end);
    const decodesTo = (n: number, stream = true): string | undefined => {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(lineBytes.subarray(0, n), { stream });
      } catch {
        return undefined;
      }
    };
    if (decodesTo(lineBytes.length, false) === undefined || nl === -1) {
      let lo = 0; // decodes
      let hi = lineBytes.length; // does not, unless the fault is an unfinished character at the end
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (decodesTo(mid) === undefined) hi = mid;
        else lo = mid;
      }
      let bad = decodesTo(hi) === undefined ? hi - 1 : lo;
      // The fault may be a character left unfinished before that byte: point at where it starts.
      if (decodesTo(bad, false) === undefined) {
        do bad--;
        while (bad > 0 && ((lineBytes[bad] ?? 0) & 0xc0) === 0x80);
      }
      const col = (decodesTo(bad) ?? '').length + 1;
      const byte = (lineBytes[bad] ?? 0).toString(16).toUpperCase().padStart(2, '0');
      return {
        problem: { line, col, message: `byte 0x${byte} is not UTF-8; save the file as UTF-8` },
      };
    }
    lineStart = nl + 1;
    line++;
  }
}

/** YAML allows tab, line feed and carriage return; any other control character means a binary or UTF-16 file. */
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

function controlCharacterProblem(text: string): YamlProblem | undefined {
  const m = CONTROL.exec(text);
  if (m === null) return undefined;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return problemAt(
    text,
    m.index,
    `control character U+${code} is not allowed in YAML (write it as an escape inside double quotes)`,
  );
}

/**
 * An upper bound of the nesting, from the tokens alone (the lexer is iterative): flow brackets
 * open, plus the indentation levels open at the start of a line, plus the `-`, `?` and `:`
 * indicators on that line (each may open a collection in compact form). Stops at the first place
 * the bound exceeds `max`, so even a megabyte of `[` costs a few tokens.
 */
function nestingProblem(text: string, max: number): YamlProblem | undefined {
  let offset = 0;
  let flow = 0;
  let indicators = 0;
  const indents: number[] = [];
  let lineStart = true;
  let indent = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    // The lexer's own markers (document, scalar, flow-error-end) are not in the source text.
    if (type === 'doc-mode' || type === 'scalar' || type === 'flow-error-end') continue;
    if (type === 'newline') {
      lineStart = true;
      indent = 0;
      indicators = 0;
    } else if (lineStart && type === 'space') {
      indent = token.length;
    } else {
      if (lineStart && flow === 0 && type !== 'comment') {
        while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
        indents.push(indent);
      }
      lineStart = false;
      if (type === 'flow-seq-start' || type === 'flow-map-start') flow++;
      else if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
      else if (flow === 0 && (type === 'seq-item-ind' || type === 'explicit-key-ind' || type === 'map-value-ind')) {
        indicators++;
      }
      if (flow + indents.length + indicators > max) {
        return problemAt(text, offset, `nested deeper than ${max} levels`);
      }
    }
    offset += token.length;
  }
  return undefined;
}

/** The field path leading to a byte offset: for a problem the parser reports at a place, not a node. */
function pathAt(root: unknown, offset: number, maxDepth: number): PropertyKey[] {
  const path: PropertyKey[] = [];
  const inside = (node: unknown): boolean => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range !== undefined && range[0] <= offset && offset < range[2];
  };
  let node = root;
  while (path.length < maxDepth) {
    if (isMap(node)) {
      const pair = node.items.find((p) => inside(p.key) || inside(p.value));
      if (pair === undefined || !isScalar(pair.key) || typeof pair.key.value !== 'string') break;
      path.push(pair.key.value);
      if (!inside(pair.value)) break;
      node = pair.value;
    } else if (isSeq(node)) {
      const i = node.items.findIndex(inside);
      if (i === -1) break;
      path.push(i);
      node = node.items[i];
    } else {
      break;
    }
  }
  return path;
}

function describeParserError(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return 'a second YAML document starts here; the file must hold exactly one';
  // The parser's messages end in "at line L, column C:" and an excerpt when pretty; the position is reported apart.
  // They quote the source: escaped like any text from the file.
  return printable(message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''));
}

class Converter {
  readonly problems: YamlProblem[] = [];
  private aliasesExpanded = 0;
  private anchors: Map<Alias, YamlNode | undefined> | undefined;
  /** Collections being converted: an alias to one of them would expand into itself. */
  private readonly open = new Set<unknown>();

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly options: YamlReadOptions,
  ) {}

  private report(node: unknown, path: readonly PropertyKey[], message: string): void {
    if (this.problems.length >= MAX_PROBLEMS) return;
    const offset = (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
    this.problems.push({ ...this.lines.linePos(offset), path: [...path], message });
  }

  /** The node an alias refers to: the last one before it with that anchor, as YAML defines it. */
  anchorOf(alias: Alias): YamlNode | undefined {
    if (this.anchors === undefined) {
      const anchors = new Map<Alias, YamlNode | undefined>();
      const latest = new Map<string, YamlNode>();
      visit(this.doc, {
        Node: (_key, node) => {
          if (isAlias(node)) anchors.set(node, latest.get(node.source));
          else if (node.anchor !== undefined) latest.set(node.anchor, node);
        },
      });
      this.anchors = anchors;
    }
    return this.anchors.get(alias);
  }

  convert(node: unknown, path: readonly PropertyKey[], depth: number): unknown {
    if (node === null || node === undefined || this.problems.length >= MAX_PROBLEMS) return null;
    if (depth > this.options.limits.nesting) {
      this.report(node, path, `nested deeper than ${this.options.limits.nesting} levels`);
      return null;
    }
    if (isAlias(node)) return this.alias(node, path, depth);
    const tag = (node as { tag?: string }).tag;
    if (tag !== undefined) {
      this.report(
        node,
        path,
        `the tag ${printable(tag.replace(/^tag:yaml\.org,2002:/, '!!'))} is not supported: a topology holds only text, numbers, booleans, lists and mappings`,
      );
      return null;
    }
    if (isScalar(node)) {
      const v = node.value;
      if ((typeof v === 'number' || typeof v === 'boolean') && this.options.keepsText?.(path) === true) {
        return node.source ?? String(v);
      }
      return v;
    }
    if (isMap(node) || isSeq(node)) {
      this.open.add(node);
      try {
        if (isSeq(node)) return node.items.map((item, i) => this.convert(item, [...path, i], depth + 1));
        return this.mapping(node.items as Pair[], path, depth);
      } finally {
        this.open.delete(node);
      }
    }
    this.report(node, path, 'not a value this reader knows');
    return null;
  }

  private alias(node: Alias, path: readonly PropertyKey[], depth: number): unknown {
    const { aliases } = this.options.limits;
    this.aliasesExpanded++;
    if (this.aliasesExpanded > aliases) {
      if (this.aliasesExpanded === aliases + 1) {
        this.report(node, path, `more than ${aliases} aliases expanded; write the values out`);
      }
      return null;
    }
    const target = this.anchorOf(node);
    if (target === undefined) {
      this.report(
        node,
        path,
        `the alias *${printable(node.source)} has no anchor &${printable(node.source)} before it`,
      );
      return null;
    }
    if (this.open.has(target)) {
      this.report(node, path, `the alias *${printable(node.source)} is inside the value it refers to`);
      return null;
    }
    return this.convert(target, path, depth);
  }

  private mapping(pairs: readonly Pair[], path: readonly PropertyKey[], depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Map<string, { line: number; col: number }>();
    for (const { key, value } of pairs) {
      if (!isScalar(key) || typeof key.value !== 'string' || key.tag !== undefined) {
        this.report(key ?? value, path, this.badKey(key));
        continue;
      }
      const name = key.value;
      const keyPath = [...path, name];
      if (name === '__proto__') {
        this.report(key, keyPath, 'the key "__proto__" is not allowed');
        continue;
      }
      const first = seen.get(name);
      if (first !== undefined) {
        this.report(
          key,
          keyPath,
          `${quoteText(name)} is given twice (first at line ${first.line}, column ${first.col}); give each key once`,
        );
        continue;
      }
      seen.set(name, this.lines.linePos(key.range?.[0] ?? 0));
      out[name] = this.convert(value, keyPath, depth + 1);
    }
    return out;
  }

  private badKey(key: unknown): string {
    if (key === null || key === undefined || (isScalar(key) && key.value === null && key.source === '')) {
      return 'a key is missing before ":"';
    }
    if (isAlias(key)) return `a key must be text, not the alias *${printable(key.source)}`;
    if (isCollection(key)) return 'a key must be text, not a list or mapping';
    if (isScalar(key) && key.tag !== undefined) return 'a key must be plain text, without a tag';
    const written = isScalar(key) ? (key.source ?? String(key.value)) : String(key);
    return `the key ${printable(written)} is read as ${isScalar(key) && key.value === null ? 'null' : `a ${typeof (key as { value: unknown }).value}`}; write it in quotes (${quoteText(written)}) to mean the text`;
  }
}

/** Reads a YAML text of one document into plain data; see the module comment for what is refused. */
export function readYamlData(text: string, options: YamlReadOptions): YamlData {
  const early = controlCharacterProblem(text) ?? nestingProblem(text, options.limits.nesting);
  if (early !== undefined) return { ok: false, problems: [early] };

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, merge: false });
  const maxDepth = options.limits.nesting;
  const problems: YamlProblem[] = [
    ...doc.errors,
    // Unresolved tags are refused below, with every other tag.
    ...doc.warnings.filter((w) => w.code !== 'TAG_RESOLVE_FAILED'),
  ].map((e) => ({
    ...lines.linePos(e.pos[0]),
    path: pathAt(doc.contents, e.pos[0], maxDepth),
    message: describeParserError(e.code, e.message),
  }));
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, MAX_PROBLEMS) };

  const converter = new Converter(doc, lines, options);
  const data = converter.convert(doc.contents, [], 0);
  if (converter.problems.length > 0) return { ok: false, problems: converter.problems };

  // A key's pair by name, per mapping, built on first use: a schema may report an issue for every
  // entry of a large mapping, and a scan per lookup would make that quadratic.
  const pairsByKey = new Map<unknown, Map<unknown, Pair>>();
  const pairOf = (map: YAMLMap, key: PropertyKey): Pair | undefined => {
    let byKey = pairsByKey.get(map);
    if (byKey === undefined) {
      byKey = new Map(
        map.items.filter((p) => isScalar(p.key)).map((p) => [(p.key as { value: unknown }).value, p as Pair]),
      );
      pairsByKey.set(map, byKey);
    }
    return byKey.get(key);
  };
  return {
    ok: true,
    data,
    positionOf: (path) => {
      let node: unknown = doc.contents;
      let at: unknown = node;
      for (const key of path) {
        if (isAlias(node)) node = converter.anchorOf(node);
        if (isMap(node)) {
          const pair = pairOf(node, key);
          if (pair === undefined) break;
          at = pair.key;
          node = pair.value;
        } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
          node = node.items[key];
          at = node;
        } else {
          break;
        }
      }
      return lines.linePos((at as { range?: [number, number, number] } | null)?.range?.[0] ?? 0);
    },
  };
}
