import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { formatIssues, Topology } from '../../proxy/schema/index.js';
import { UsageError } from '../errors.js';
import { PACKAGE_ROOT } from '../version.js';
import { meshdevCommand } from '../invocation.js';

/** The bundled demo topology, used when no `-f` is given and no `mesh.yaml` is in the current directory. */
export const DEMO_TOPOLOGY_PATH = resolve(PACKAGE_ROOT, 'services/demo/mesh.yaml');

/** Parses and validates a topology text; every problem names the file, the field path and what was expected. */
export function parseTopology(text: string, source: string): Topology {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}`;
    });
    throw new UsageError(`invalid YAML\n${lines.join('\n')}`, { code: 'ETOPOLOGY', fix: 'Fix the YAML syntax.' });
  }
  const data: unknown = doc.toJS();
  const result = Topology.safeParse(data ?? {});
  if (!result.success) {
    throw new UsageError(`invalid topology\n${formatIssues(source, result.error).join('\n')}`, {
      code: 'ETOPOLOGY',
      fix: `Correct the fields above; \`${meshdevCommand('schema')}\` prints the JSON Schema (editors can use it for completion).`,
    });
  }
  return result.data;
}

/** Which file `up`/`down`/`status` act on: `-f`, else ./mesh.yaml when present, else the bundled demo. */
export async function locateTopology(file: string | undefined): Promise<string> {
  if (file !== undefined) return resolve(file);
  const local = resolve('mesh.yaml');
  try {
    await readFile(local);
    return local;
  } catch {
    return DEMO_TOPOLOGY_PATH;
  }
}

export async function loadTopology(file: string | undefined): Promise<{ path: string; topology: Topology }> {
  const path = await locateTopology(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read topology file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      code: 'ETOPOLOGY',
      fix: 'Pass an existing file with -f, or run without -f to use the bundled demo.',
    });
  }
  return { path, topology: parseTopology(text, path) };
}
