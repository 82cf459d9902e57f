/**
 * The architecture as tests: no import cycles among the modules of cli/, proxy/ and services/, and the
 * `meshdev/boundaries` lint rule (eslint.config.js) refusing the imports that cross a boundary.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const AREAS = ['cli', 'proxy', 'services'];

type ImportGraph = ReadonlyMap<string, readonly string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Static imports, `export … from` and literal dynamic imports of each file, resolved to repository paths. */
function importGraph(files: readonly string[]): ImportGraph {
  const known = new Set(files);
  const resolve = (from: string, specifier: string): string | undefined => {
    if (!specifier.startsWith('.')) return undefined;
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\.[cm]?jsx?$/, '');
    return [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((candidate) => known.has(candidate));
  };
  return new Map(
    files.map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
      const targets = importedFiles.map((i) => resolve(file, i.fileName)).filter((t) => t !== undefined);
      return [file, [...new Set(targets)]];
    }),
  );
}

/** Every strongly connected component of more than one module (or a module importing itself), as one cycle through it. */
function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component);
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components.map((component) => cycleThrough(graph, new Set(component)));
}

/** One cycle inside a strongly connected component, from its first module (sorted) back to it. */
function cycleThrough(graph: ImportGraph, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

describe('import cycles', () => {
  it('finds a cycle and names its modules in order (so the check below can fail)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(findCycles(graph)).toEqual([
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
      ['e.ts', 'e.ts'],
    ]);
    expect(
      findCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('resolves .js specifiers to the .ts/.tsx/index.ts modules they name', () => {
    const graph = importGraph(['cli/main.ts', 'cli/program.ts', 'cli/tui/App.tsx', 'cli/tui/run.tsx']);
    expect(graph.get('cli/main.ts')).toContain('cli/program.ts');
    expect(graph.get('cli/tui/run.tsx')).toContain('cli/tui/App.tsx');
  });

  it('cli/, proxy/ and services/ have none', () => {
    const files = AREAS.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(100);
    expect(findCycles(importGraph(files)).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });
});

describe('the meshdev/boundaries lint rule', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const crossings = async (file: string, code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    return result!.messages.filter((m) => m.ruleId === 'meshdev/boundaries').map((m) => m.message);
  };

  it('lets cli/ import only the schema module of proxy/, by any import form', async () => {
    expect(await crossings('cli/x.ts', "export { Topology } from '../proxy/schema/index.js';\n")).toEqual([]);
    expect(
      await crossings('cli/commands/x.ts', "import { sleep } from '../../proxy/backoff.js';\nsleep(1);\n"),
    ).toEqual([
      'cli/commands/x.ts imports proxy/backoff: cli/ may import from proxy/ only the schema module (proxy/schema).',
    ]);
    expect(await crossings('cli/x.ts', "export * from '../proxy/metrics.js';\n")).toHaveLength(1);
    expect(await crossings('cli/x.ts', "export { Logger } from '../proxy/log.js';\n")).toHaveLength(1);
    expect(await crossings('cli/x.ts', "await import('../proxy/standalone.js');\n")).toHaveLength(1);
  });

  it('allows the one documented dynamic import of the sidecar entry from `meshdev proxy`', async () => {
    expect(await crossings('cli/commands/proxy.ts', "await import('../../proxy/standalone.js');\n")).toEqual([]);
    expect(await crossings('cli/commands/proxy.ts', "await import('../../proxy/log.js');\n")).toHaveLength(1);
  });

  it('keeps proxy/ off cli/ (and services/, test/, bench/ off its non-test files)', async () => {
    expect(await crossings('proxy/x.ts', "import { UsageError } from '../cli/errors.js';\nvoid UsageError;\n")).toEqual(
      ['proxy/x.ts imports cli/errors: proxy/ does not import cli/.'],
    );
    expect(await crossings('proxy/x.ts', "import '../test/support/consul.js';\n")).toHaveLength(1);
    expect(await crossings('proxy/x.test.ts', "import '../test/support/consul.js';\n")).toEqual([]);
  });

  it('keeps proxy/schema self-contained', async () => {
    expect(await crossings('proxy/schema/x.ts', "import { z } from 'zod';\nimport './faults.js';\nvoid z;\n")).toEqual(
      [],
    );
    expect(await crossings('proxy/schema/x.ts', "import '../policy/routing.js';\n")).toEqual([
      'proxy/schema/x.ts imports proxy/policy/routing: proxy/schema imports nothing outside proxy/schema (only packages and node: builtins).',
    ]);
  });

  it('lets services/ import only the schema module of proxy/, and not cli/', async () => {
    expect(await crossings('services/shop/x.ts', "import '../../proxy/schema/config.js';\n")).toEqual([]);
    expect(await crossings('services/shop/x.ts', "import '../../proxy/upstream.js';\n")).toHaveLength(1);
    expect(await crossings('services/shop/x.ts', "import '../../cli/errors.js';\n")).toHaveLength(1);
  });
});
