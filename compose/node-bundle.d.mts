import type { BuildOptions } from 'esbuild';

export declare const NODE_BUNDLE: BuildOptions & { banner: { js: string } };
export declare function splitInto(outdir: string): BuildOptions;
