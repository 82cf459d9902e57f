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
  return error.issues.map((issue) => `${source}: ${formatPath(issue.path)}: ${issue.message}`);
}
