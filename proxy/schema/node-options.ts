/**
 * Node options every sidecar runs with: a contract between the Compose file the CLI renders (it sets
 * them as the sidecar's NODE_OPTIONS) and the proxy runtime, which is tuned for them; the proxy
 * benchmark starts meshdev with them too, so it measures what ships. Only options Node accepts in
 * NODE_OPTIONS belong here (`--lite-mode`, `--no-opt`, `--max-lazy` are refused there).
 *
 * `--max-semi-space-size=4` (MiB): V8's young generation otherwise grows to 2 x 16 MiB under load
 * and keeps it; a semi-space much smaller than 4 MiB promotes in-flight requests' objects to the old
 * generation, whose collections then cost more throughput than the scavenges saved.
 *
 * `--v8-pool-size=1`: one V8 background thread instead of four. glibc gives each thread that
 * allocates its own malloc arena, and a sidecar serves one instance on a laptop shared with many
 * other processes, so parallel GC helpers buy it memory and nothing else. (`=0` means "choose":
 * N-1 threads.)
 *
 * The figures behind both, and the flags and environment variables measured and not shipped
 * (`--jitless`, `--single-threaded-gc`, MALLOC_ARENA_MAX, UV_THREADPOOL_SIZE), are in
 * bench/proxy/RESULTS.md ("Memory, session 4" and the 2026-11-25 sections).
 */
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=4 --v8-pool-size=1';
