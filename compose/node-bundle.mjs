// The esbuild options every meshdev bundle for Node shares: the runtime image's
// (compose/bundle-runtime.mjs), the CLI's (cli/bundle-cli.mjs) and bench:proxy's copy of what the
// sidecars run (bench/proxy/harness.ts).
//
// Minified and ASCII: V8 keeps every loaded script's source in the heap, and a single non-ASCII
// character in a kept comment makes a whole source a two-byte string (a 2 MB bundle then costs
// 4 MB in every process). The banner gives the ESM output a `require`, which bundled CommonJS
// dependencies (express, dockerode) call for Node built-ins and for anything left external.

export const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  charset: 'ascii',
  legalComments: 'none',
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __meshdevCreateRequire } from 'node:module'; const require = __meshdevCreateRequire(import.meta.url);",
  },
};

/** Output split into an entry per role or command plus shared chunks, loaded on demand. */
export function splitInto(outdir) {
  return {
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    sourcemap: 'linked',
  };
}
