/**
 * Node options every sidecar runs with (the Compose renderer sets them as NODE_OPTIONS; the proxy
 * benchmark starts meshdev with them, so it measures what ships). Only options Node accepts in
 * NODE_OPTIONS belong here (`--lite-mode`, `--no-opt`, `--max-lazy` are refused there).
 *
 * `--max-semi-space-size=4` (MiB): V8's young generation otherwise grows to 2 x 16 MiB under
 * saturation and keeps it. Measured at max throughput (wrk -c50, 3 interleaved rounds, 2026-11-25):
 * default 12.3k req/s and 101 MB RSS after; 4 MiB 13.7k req/s, 83 MB; 1 MiB 9.8k req/s, 78 MB (a
 * semi-space that small promotes in-flight requests' objects to the old generation, whose
 * collections then cost more than the scavenges saved). Re-measured with the llhttp upstream client
 * (bench/proxy/RESULTS.md, "Memory, session 4"): 1 MiB saves ~6 MB at 1000 rps (60 against 66 MB
 * RSS) but cost 0.82x max throughput in fresh-process sweeps and 1.45x against 1.91x node-http-proxy
 * in bench:proxy (0.97x in paired runs of warmed processes), so 4 MiB stays.
 *
 * `--v8-pool-size=1`: one V8 background thread instead of four (11 threads -> 8; glibc gives each
 * thread that allocates, here for GC and compile jobs, its own malloc arena). At 1000 rps
 * (bench/proxy/sweep.ts, 2026-11-25, sweeps of 3, 5 and 6 rounds) steady RSS 77.0 / 77.1 / 77.2 MB
 * instead of 81.5 / 81.4 / 81.5 (private 32 instead of 36.5); throughput and CPU per request equal
 * within the noise (6 paired rounds: 3 wins each). A sidecar serves one instance on a laptop shared
 * with 20 other processes: parallel GC helpers buy it nothing. (`=0` means "choose": N-1 threads.)
 *
 * Also measured and not shipped (bench/proxy/sweep.ts): `--jitless` (accepted here) 57.6 MB at 1000 rps
 * but 3.4k req/s instead of ~15k; `--single-threaded-gc` (refused in NODE_OPTIONS) no lower (65.9 MB).
 *
 * No environment variable ships: MALLOC_ARENA_MAX=1 / 2 and UV_THREADPOOL_SIZE=1 measured no lower
 * (105 / 86 / 81 MB against 81.5; see bench/proxy/RESULTS.md).
 */
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=4 --v8-pool-size=1';
