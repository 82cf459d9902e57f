import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as z from 'zod';
import { formatIssues, formatPath, Topology, TOPOLOGY_LIMITS } from '../../proxy/schema/index.js';
import { UsageError } from '../errors.js';
import { inputTooLarge, readInputFile } from '../input-file.js';
import type { InputFileKind } from '../input-file.js';
import { PACKAGE_ROOT } from '../version.js';
import { meshdevCommand } from '../invocation.js';
import type { YamlProblem } from './yaml-data.js';
import { decodeUtf8, MAX_PROBLEMS, readYamlData } from './yaml-data.js';

/** The bundled demo topology, used when no `-f` is given and no `mesh.yaml` is in the current directory. */
export const DEMO_TOPOLOGY_PATH = resolve(PACKAGE_ROOT, 'services/demo/mesh.yaml');

const MAX_BYTES = TOPOLOGY_LIMITS.fileBytes;

function invalidYaml(source: string, problems: readonly YamlProblem[]): UsageError {
  const lines = problems.map(
    (p) => `${source}:${p.line}:${p.col}: ${p.path === undefined ? '' : `${formatPath(p.path)}: `}${p.message}`,
  );
  return new UsageError(`invalid YAML\n${lines.join('\n')}`, {
    code: 'ETOPOLOGY',
    fix: 'Fix the places above; a topology is one YAML mapping of text, numbers, booleans, lists and mappings.',
  });
}

/** An env value is text for the app, so `1.10` reaches it as written rather than as the number 1.1. */
function isEnvValue(path: readonly PropertyKey[]): boolean {
  return (
    path[0] === 'services' &&
    ((path.length === 4 && path[2] === 'env') || (path.length === 6 && path[2] === 'versions' && path[4] === 'env'))
  );
}

/**
 * Parses and validates a topology (its text, or its bytes as read, which must be UTF-8). Every
 * problem names the file, the line and column, the field path and what was expected; all of
 * them are a `UsageError` (exit 2).
 */
export function parseTopology(input: string | Uint8Array, source: string): Topology {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (bytes > MAX_BYTES.value) throw inputTooLarge(TOPOLOGY_FILE, source, String(bytes));
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    const decoded = decodeUtf8(input);
    if ('problem' in decoded) throw invalidYaml(source, [decoded.problem]);
    text = decoded.text;
  }
  const read = readYamlData(text, {
    limits: { nesting: TOPOLOGY_LIMITS.nesting.value, aliases: TOPOLOGY_LIMITS.aliases.value },
    keepsText: isEnvValue,
  });
  if (!read.ok) throw invalidYaml(source, read.problems);
  const where = (path: readonly PropertyKey[]): string => {
    const { line, col } = read.positionOf(path);
    return `:${line}:${col}`;
  };
  if (read.data === null) {
    throw invalidYaml(source, [
      { line: 1, col: 1, path: [], message: 'the file holds no YAML value; expected a mapping with name and services' },
    ]);
  }
  if (typeof read.data !== 'object' || Array.isArray(read.data)) {
    const found = Array.isArray(read.data) ? 'a list' : `a ${typeof read.data}`;
    throw invalidYaml(source, [
      { ...read.positionOf([]), path: [], message: `expected a mapping (name:, services:, ...), found ${found}` },
    ]);
  }
  const result = Topology.safeParse(read.data);
  if (!result.success) {
    // The first problems only: a mapping of 100,000 bad entries would otherwise print 100,000 lines.
    const shown = new z.ZodError(result.error.issues.slice(0, MAX_PROBLEMS));
    const more = result.error.issues.length - shown.issues.length;
    const lines = [...formatIssues(source, shown, where), ...(more > 0 ? [`${source}: and ${more} more`] : [])];
    throw new UsageError(`invalid topology\n${lines.join('\n')}`, {
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
    // Only whether it is there: opening a FIFO would wait for a writer. `readTopologyFile` refuses what is not a file.
    await stat(local);
    return local;
  } catch {
    return DEMO_TOPOLOGY_PATH;
  }
}

/** What a topology file may be (see input-file.ts). */
const TOPOLOGY_FILE: InputFileKind = {
  what: 'topology file',
  maxBytes: MAX_BYTES.value,
  maxBytesWhy: MAX_BYTES.why,
  code: 'ETOPOLOGY',
  fixUnreadable: 'Pass an existing file with -f, or run without -f to use the bundled demo.',
  fixNotFile:
    'Write the topology to a file and pass that with -f: meshdev reads it whole, and a pipe or device may never end.',
};

/** The bytes of a topology file, refusing anything but a regular file of at most the size limit. */
export function readTopologyFile(path: string): Promise<Buffer> {
  return readInputFile(path, TOPOLOGY_FILE);
}

export async function loadTopology(file: string | undefined): Promise<{ path: string; topology: Topology }> {
  const path = await locateTopology(file);
  return { path, topology: parseTopology(await readTopologyFile(path), path) };
}
