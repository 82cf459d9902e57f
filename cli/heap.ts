/**
 * V8 flags for the commands that stay running with the dashboard open: `ui`, and `up`, which ends
 * in it. Set with `v8.setFlagsFromString` as the process starts (cli/main.ts), since NODE_OPTIONS
 * does not accept them and a re-exec would cost a second process.
 *
 * `--optimize-for-size` makes V8 grow the heap in smaller steps and collect sooner. Measured on
 * bench:ui's 20-instance mesh (five dashboards side by side, 100 s, bundled CLI): peak RSS 132.9 ->
 * 117.8 MB for 3.2 -> 4.1 s of CPU. `--max-semi-space-size` would do as much but only works on the
 * command line; set at run time it changed nothing (132.9 -> 133.0 MB), nor did a forced full GC
 * every 10 s (131.5 MB): the young generation, not garbage left in the old one, is what grows.
 */
export function runtimeV8FlagsFor(command: string | undefined): string | undefined {
  return command === 'ui' || command === 'up' ? '--optimize-for-size' : undefined;
}
