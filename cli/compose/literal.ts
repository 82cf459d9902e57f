import { Document, Scalar, visit } from 'yaml';

/**
 * Compose interpolates `$VAR`, `${VAR}` and `${VAR:-default}` in every value of a Compose file
 * with the environment of the host that runs `docker compose` (keys are left alone). Nothing
 * meshdev writes is meant to be interpolated: a topology value must reach the container exactly as
 * written (an env value `pa$word` must not become `pa`, nor `${HOME}` the host's home directory),
 * and meshdev's own values (paths, probes, bootstrap JSON) must not change with the host's
 * environment either. `$$` is Compose's escape for a literal `$`.
 */
export function composeLiteral(value: string): string {
  return value.split('$').join('$$');
}

/** The inverse of `composeLiteral`: what Compose hands the container for a value read from the rendered file. */
export function fromComposeLiteral(value: string): string {
  return value.split('$$').join('$');
}

/** Every string value (not key) of a Compose document, at any depth, made a literal; the input is left as it is. */
export function escapeInterpolation<T>(value: T): T {
  return mapStrings(value, composeLiteral) as T;
}

/** The inverse of `escapeInterpolation`: a parsed Compose document's values as the containers get them. */
export function unescapeInterpolation<T>(value: T): T {
  return mapStrings(value, fromComposeLiteral) as T;
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return value;
}

/**
 * Characters YAML readers disagree on, so written only as escapes inside double quotes. Compose
 * reads YAML with go-yaml, which (like YAML 1.1) also breaks lines at NEL, LINE SEPARATOR and
 * PARAGRAPH SEPARATOR, and a BYTE ORDER MARK may be taken for the start of a document; the `yaml`
 * package writes them raw, so a value containing one could be folded, cut short or read as more YAML.
 */
const AMBIGUOUS = /[\u0085\u2028\u2029\ufeff]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '\u0085': '\\N',
  '\u2028': '\\L',
  '\u2029': '\\P',
  '\ufeff': '\\uFEFF',
};

/**
 * Multi-line strings are double-quoted too: as a block scalar, the `yaml` package writes " \n" as a
 * line of spaces, which every reader takes for an empty line (the value comes back as "\n"); block
 * scalars have more such corners (indentation of leading blanks, trailing lines), quotes have none.
 */
const MULTI_LINE = /[\n\r]/;

/** YAML text for Compose (go-yaml): like `stringify(value, { lineWidth: 0 })`, with the characters YAML readers disagree on escaped. */
export function composeYaml(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && (node.value.search(AMBIGUOUS) !== -1 || MULTI_LINE.test(node.value))) {
        node.type = Scalar.QUOTE_DOUBLE;
      }
    },
  });
  // Every such character is now inside a double-quoted scalar, where its escape means the same.
  return doc.toString({ lineWidth: 0 }).replace(AMBIGUOUS, (c) => ESCAPES[c] ?? c);
}

/**
 * Text for a YAML comment: a comment runs to the end of its line, so raw text in it (a path with
 * a newline) would go on as YAML. JSON-quoted with everything but printable ASCII escaped, so no
 * YAML reader sees a line break in it.
 */
export function yamlCommentText(value: string): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
