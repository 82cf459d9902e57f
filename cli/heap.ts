/**
 * V8 flags for the commands that stay running with the dashboard open: `ui`, and `up`, which ends
 * in it. Set with `v8.setFlagsFromString` as the process starts (cli/main.ts), since NODE_OPTIONS
 * does not accept them and a re-exec would cost a second process.
 *
 * `--optimize-for-size` makes V8 grow the heap in smaller steps and collect sooner: the dashboard's
 * peak RSS drops for a little more CPU (bench/ui/RESULTS.md). `--max-semi-space-size` would do as
 * much but only works on the command line; set at run time it changes nothing, nor does a periodic
 * forced full GC: the young generation, not garbage left in the old one, is what grows.
 */
export function runtimeV8FlagsFor(command: string | undefined): string | undefined {
  return command === 'ui' || command === 'up' ? '--optimize-for-size' : undefined;
}
