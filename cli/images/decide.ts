import type { InfraRole } from './refs.js';

/**
 * Where each infra image comes from. Pure: the caller knows which images exist locally and
 * whether a pull already failed.
 *
 * - `airgap: true` (forced): local equivalents built from Debian packages; an image the user chose
 *   by env var is still used when present. Grafana only when its image is already present.
 * - `airgap: false`: the upstream image, pulled when absent (a failed pull is an error).
 * - `auto`: the upstream image when present, else a current local equivalent when present, else
 *   pulled; after one failed pull (no registry), local equivalents for everything still missing.
 */
export type AirgapMode = boolean | 'auto';

export type ImageSource = 'use-upstream' | 'pull-upstream' | 'use-local' | 'build-local' | 'omit';

export interface ImageFacts {
  readonly role: InfraRole;
  readonly mode: AirgapMode;
  readonly upstreamPresent: boolean;
  readonly upstreamOverridden: boolean;
  /** The local equivalent exists and was built from the current recipe. */
  readonly localCurrent: boolean;
  /** A pull has already failed in this run: no registry answers. */
  readonly registryDown: boolean;
}

export function decideImageSource(f: ImageFacts): ImageSource {
  const local: ImageSource = f.role === 'grafana' ? 'omit' : f.localCurrent ? 'use-local' : 'build-local';
  if (f.mode === true) {
    if (f.upstreamPresent && (f.upstreamOverridden || f.role === 'grafana')) return 'use-upstream';
    return local;
  }
  if (f.upstreamPresent) return 'use-upstream';
  // A current local equivalent is used as it is: a warm `up` on a machine that once went
  // air-gapped does not ask a registry again (that costs up to the pull's connect timeout where
  // none answers). The user's own image (env) is still pulled.
  if (f.mode === 'auto' && f.localCurrent && !f.upstreamOverridden) return 'use-local';
  if (f.mode === 'auto' && f.registryDown) return local;
  return 'pull-upstream';
}
