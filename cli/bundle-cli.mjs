// Bundles the command-line tool (cli/main.ts) into dist/bin/: the `meshdev` binary runs this
// bundle, not tsc's one-file-per-module output in dist/cli/ (which stays the programmatic API).
//
// Why: Node keeps every loaded module's source and compiled code, and `meshdev ui` loaded some
// 600 modules from node_modules (Ink, React, dockerode, undici, zod, execa). The same code bundled
// and minified costs ~40 MB less RSS (measured: Ink + @inkjs/ui alone 93 -> 66 MB) and starts
// faster. Split into chunks so a command still loads only what it uses (cli/program.ts imports
// each command's module lazily). ASCII output: one non-ASCII character makes V8 hold a whole
// chunk's source as a two-byte string.
import { build } from 'esbuild';
import { chmod, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const emptyModule = fileURLToPath(new URL('./bundle-empty.mjs', import.meta.url));
const lazySsh = fileURLToPath(new URL('./bundle-lazy-ssh.cjs', import.meta.url));

/** docker-modem's `require('./ssh')` goes to a stand-in that loads it on first use. */
const lazySshTransport = {
  name: 'lazy-ssh-transport',
  setup(b) {
    b.onResolve({ filter: /^\.\/ssh$/ }, (args) =>
      /docker-modem[\\/]lib[\\/]modem\.js$/.test(args.importer) ? { path: lazySsh } : undefined,
    );
  },
};

await rm('dist/bin', { recursive: true, force: true });
await build({
  entryPoints: { meshdev: 'cli/main.ts' },
  outdir: 'dist/bin',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  minify: true,
  charset: 'ascii',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazySshTransport],
  // A command-line tool runs React's production build; the development one (prop checks, timing
  // marks on every commit) only helps someone debugging React itself.
  define: { 'process.env.NODE_ENV': '"production"' },
  alias: {
    // Ink imports React DevTools only when DEV=true; the package is an optional peer we do not ship.
    'react-devtools-core': emptyModule,
  },
  // ssh2 (dockerode's ssh:// transport) tries a native crypto addon and falls back to JavaScript.
  external: ['*.node', 'cpu-features'],
  // CommonJS dependencies (dockerode, ssh2) call require() on Node built-ins, and ssh2's
  // Emscripten module reads __dirname.
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __meshdevCreateRequire } from 'node:module';",
      "import { dirname as __meshdevDirname } from 'node:path';",
      "import { fileURLToPath as __meshdevFileURLToPath } from 'node:url';",
      'const require = __meshdevCreateRequire(import.meta.url);',
      'const __filename = __meshdevFileURLToPath(import.meta.url);',
      'const __dirname = __meshdevDirname(__filename);',
    ].join('\n'),
  },
});
// The package's `bin`: executable, as npm makes it when it links a dependency's bin.
await chmod('dist/bin/meshdev.mjs', 0o755);
