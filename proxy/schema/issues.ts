import type { z } from 'zod';

/** `services.catalog.replicas`, `services.gateway.upstreams[0]`: the path a user searches their file for. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
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
    // zod reports a bad record key as "Invalid key in record" with the reason nested inside.
    if (issue.code === 'invalid_key') {
      const inner = issue.issues.map((i) => i.message).join('; ');
      const key = issue.path[issue.path.length - 1];
      const what = issue.path.length === 2 && issue.path[0] === 'services' ? 'a service name' : 'a key';
      return `${at}: ${formatPath(issue.path)}: ${what} must be ${inner} (got "${String(key)}")`;
    }
    return `${at}: ${formatPath(issue.path)}: ${issue.message}`;
  });
}
