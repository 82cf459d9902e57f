import type { z } from 'zod';

/**
 * Text from a user's file as a message quotes it: JSON-quoted, with everything but printable ASCII
 * escaped, so a key holding a line break or a terminal escape sequence stays on its line and
 * cannot rewrite the terminal.
 */
export function quoteText(value: string): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `services.catalog.replicas`, `services.gateway.upstreams[0]`: the path a user searches their file for. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (!/^[A-Za-z0-9_$-][A-Za-z0-9_$.-]*$/.test(String(key))) out += `[${quoteText(String(key))}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * One line per problem: `<source>: <field path>: <what was expected>`. `where` gives the place in
 * the source a field path is written at (`:3:5`), for sources that have lines.
 */
export function formatIssues(
  source: string,
  error: z.ZodError,
  where: (path: readonly PropertyKey[]) => string = () => '',
): string[] {
  return error.issues.map((issue) => {
    // An unknown key is reported on its object; point at the key itself.
    const at = `${source}${where(issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path)}`;
    return `${at}: ${formatIssue(issue)}`;
  });
}

/** `<field path>: <what was expected>`. */
export function formatIssue(issue: z.core.$ZodIssue): string {
  // zod reports a bad record key as "Invalid key in record" with the reason nested inside.
  if (issue.code === 'invalid_key') {
    const inner = issue.issues.map((i) => i.message).join('; ');
    const key = issue.path[issue.path.length - 1];
    const what = issue.path.length === 2 && issue.path[0] === 'services' ? 'a service name' : 'a key';
    return `${formatPath(issue.path)}: ${what} must be ${inner} (got ${quoteText(String(key))})`;
  }
  // zod's own message quotes the key raw.
  if (issue.code === 'unrecognized_keys') {
    return `${formatPath(issue.path)}: unknown key ${issue.keys.map(quoteText).join(', ')}`;
  }
  return `${formatPath(issue.path)}: ${issue.message}`;
}
