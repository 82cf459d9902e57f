import js from '@eslint/js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * Imports that cross a boundary on purpose, each an (importer, imported module) pair of repository
 * paths without extension. Each is the entry of a process that hosts the sidecar's data path:
 *  - `meshdev proxy` runs the sidecar's data path in-process (benchmarks, debugging), so the command
 *    loads the standalone sidecar's entry, lazily, and nothing else of proxy/ (the entry makes its
 *    own Logger);
 *  - the runtime image ships one bundle whose entry picks the role it runs (sidecar, demo service or
 *    load generator); its sidecar role is the sidecar's own entry.
 */
const BOUNDARY_EXCEPTIONS = [
  { importer: 'cli/commands/proxy', imported: 'proxy/standalone' },
  { importer: 'services/entry', imported: 'proxy/main' },
];

const TEST_FILE = /(^|\/)[^/]+\.test\.tsx?$|^(test|bench)\//;

function area(repoPath) {
  return repoPath.split('/', 1)[0];
}

function under(repoPath, dir) {
  return repoPath === dir || repoPath.startsWith(`${dir}/`);
}

/** Why `importer` may not import `imported` (both repository paths without extension), or undefined. */
function boundaryProblem(importer, imported) {
  if (BOUNDARY_EXCEPTIONS.some((e) => e.importer === importer && e.imported === imported)) return undefined;
  const target = area(imported);
  switch (area(importer)) {
    case 'cli':
      if (target === 'proxy' && !under(imported, 'proxy/schema')) {
        return 'cli/ may import from proxy/ only the schema module (proxy/schema)';
      }
      if (['services', 'bench', 'test'].includes(target)) return `cli/ does not import ${target}/`;
      return undefined;
    case 'proxy':
      if (under(importer, 'proxy/schema') && !under(imported, 'proxy/schema')) {
        return 'proxy/schema imports nothing outside proxy/schema (only packages and node: builtins)';
      }
      if (['cli', 'services', 'bench', 'test'].includes(target)) return `proxy/ does not import ${target}/`;
      return undefined;
    case 'services':
      if (target === 'proxy' && !under(imported, 'proxy/schema')) {
        return 'services/ may import from proxy/ only the schema module (proxy/schema)';
      }
      if (['cli', 'bench', 'test'].includes(target)) return `services/ does not import ${target}/`;
      return undefined;
    default:
      return undefined;
  }
}

/**
 * `meshdev/boundaries`: which part of the repository may import which (cli/ only the schema module of
 * proxy/, proxy/ never cli/, proxy/schema nothing else of proxy/), so the CLI and the sidecar meet only
 * through the documents the schema module describes. Test files and bench/ are exempt.
 */
const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'keep imports inside the boundaries between cli/, proxy/, proxy/schema and services/' },
    messages: { crossing: '{{importer}} imports {{imported}}: {{why}}.' },
    schema: [],
  },
  create(context) {
    const importer = path.relative(ROOT, context.filename).split(path.sep).join('/');
    if (importer.startsWith('..') || TEST_FILE.test(importer)) return {};
    const importerNoExt = importer.replace(/\.[cm]?[jt]sx?$/, '');
    const check = (source) => {
      if (source == null || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const specifier = source.value;
      if (!specifier.startsWith('.')) return; // a package or a node: builtin
      const imported = path.posix
        .normalize(path.posix.join(path.posix.dirname(importer), specifier))
        .replace(/\.[cm]?[jt]sx?$/, '');
      const why = boundaryProblem(importerNoExt, imported);
      if (why !== undefined) context.report({ node: source, messageId: 'crossing', data: { importer, imported, why } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.meshdev/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['cli/**', 'proxy/**', 'services/**'],
    plugins: { meshdev: { rules: { boundaries } } },
    rules: { 'meshdev/boundaries': 'error' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
