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

/** One line per problem: `<source>: <field path>: <what was expected>`. */
export function formatIssues(source: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => `${source}: ${formatIssue(issue)}`);
}

/** `<field path>: <what was expected>`. */
export function formatIssue(issue: z.core.$ZodIssue): string {
  // zod reports a bad record key as "Invalid key in record" with the reason nested inside.
  if (issue.code === 'invalid_key') {
    const inner = issue.issues.map((i) => i.message).join('; ');
    const key = issue.path[issue.path.length - 1];
    const what = issue.path[0] === 'services' ? 'a service name' : 'a key';
    return `${formatPath(issue.path)}: ${what} must be ${inner} (got "${String(key)}")`;
  }
  return `${formatPath(issue.path)}: ${issue.message}`;
}
