/**
 * Node options every sidecar runs with (the Compose renderer sets them as NODE_OPTIONS; the proxy
 * benchmark starts meshdev with them, so it measures what ships).
 *
 * `--max-semi-space-size=1` (MiB): V8's young generation otherwise grows to 2 x 16 MiB under
 * saturation and keeps it; a proxy allocates short-lived objects per request that a 1 MiB
 * semi-space collects just as well, which bounds RSS after load peaks by ~30 MB per sidecar.
 */
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=1';
