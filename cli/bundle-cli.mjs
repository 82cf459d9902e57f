// Bundles the command-line tool (cli/main.ts) into dist/bin/: the `meshdev` binary runs this
// bundle, not tsc's one-file-per-module output in dist/cli/ (which stays the programmatic API).
//
// Why: Node keeps every loaded module's source and compiled code, and `meshdev ui` loaded some
// 600 modules from node_modules (Ink, React, dockerode, undici, zod, execa). The same code bundled
// and minified costs much less RSS (bench/ui/RESULTS.md) and starts faster. Split into chunks so a command still loads only what it uses (cli/program.ts imports
// each command's module lazily). Options shared with the runtime bundle: compose/node-bundle.mjs.
import { build } from 'esbuild';
import { chmod, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { NODE_BUNDLE, splitInto } from '../compose/node-bundle.mjs';

const emptyModule = fileURLToPath(new URL('./bundle-empty.mjs', import.meta.url));

/**
 * Modules dockerode loads whenever it is imported, though only rare paths call them: the ssh://
 * transport (ssh2 and its WebAssembly crypto) and the BuildKit session (@grpc/grpc-js and
 * protobufjs, tens of MB once loaded). Each is replaced by a stand-in that loads the real module from
 * node_modules on first call: external, so unbundled (both read files beside themselves through
 * __dirname), through the banner's `require`.
 */
const LOADED_ON_FIRST_USE = [
  { importer: /docker-modem[\\/]lib[\\/]modem\.js$/, specifier: './ssh', real: 'docker-modem/lib/ssh.js' },
  { importer: /dockerode[\\/]lib[\\/]docker\.js$/, specifier: './session', real: 'dockerode/lib/session.js' },
];
const loadOnFirstUse = {
  name: 'load-on-first-use',
  setup(b) {
    for (const { importer, specifier, real } of LOADED_ON_FIRST_USE) {
      const filter = new RegExp(`^${specifier.replace(/[./]/g, (c) => `\\${c}`)}$`);
      b.onResolve({ filter }, (args) =>
        importer.test(args.importer) ? { path: real, namespace: 'first-use' } : undefined,
      );
    }
    b.onLoad({ filter: /.*/, namespace: 'first-use' }, (args) => ({
      contents: `module.exports = function loadedOnFirstUse(...args) { return require(${JSON.stringify(args.path)})(...args); };`,
      loader: 'js',
    }));
  },
};

await rm('dist/bin', { recursive: true, force: true });
await build({
  ...NODE_BUNDLE,
  ...splitInto('dist/bin'),
  entryPoints: { meshdev: 'cli/main.ts' },
  plugins: [loadOnFirstUse],
  external: LOADED_ON_FIRST_USE.map((m) => m.real),
  // A command-line tool runs React's production build; the development one (prop checks, timing
  // marks on every commit) only helps someone debugging React itself.
  define: { 'process.env.NODE_ENV': '"production"' },
  alias: {
    // Ink imports React DevTools only when DEV=true; the package is an optional peer we do not ship.
    'react-devtools-core': emptyModule,
  },
  banner: { js: `#!/usr/bin/env node\n${NODE_BUNDLE.banner.js}` },
});
// The package's `bin`: executable, as npm makes it when it links a dependency's bin.
await chmod('dist/bin/meshdev.mjs', 0o755);
