/**
 * Node options every sidecar runs with (the Compose renderer sets them as NODE_OPTIONS; the proxy
 * benchmark starts meshdev with them, so it measures what ships).
 *
 * `--max-semi-space-size=4` (MiB): V8's young generation otherwise grows to 2 x 16 MiB under
 * saturation and keeps it. Measured at max throughput (wrk -c50, 3 interleaved rounds, 2026-11-25):
 * default 12.3k req/s and 101 MB RSS after; 4 MiB 13.7k req/s, 83 MB; 1 MiB 9.8k req/s, 78 MB (a
 * semi-space that small promotes in-flight requests' objects to the old generation, whose
 * collections then cost more than the scavenges saved).
 */
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=4';
